// Small formatters shared by the pages.

/** 1234 → "1.2 s", 65000 → "1 min 5 s". */
export function dur(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A time as local HH:MM:SS (and the date when not today). */
export function when(t: string | number | undefined): string {
  if (t === undefined) return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}

export function pct(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '—';
  return `${(p * 100).toFixed(p >= 0.995 || p < 0.01 ? 1 : 0)} %`;
}

/** Which tone a status or state has: the CSS class of its badge. */
export function tone(s: string | undefined): 'bad' | 'warn' | 'good' | 'busy' | 'idle' {
  switch (s) {
    case 'failed':
    case 'stalled':
    case 'handed-over':
    case 'error':
    case 'not-detected':
    case 'not-fixed':
    case 'shutdown':
      return 'bad';
    case 'healing':
    case 'queued':
    case 'open':
    case 'running':
    case 'started':
    case 'applied':
    case 'interrupted':
      return 'warn';
    case 'ready':
    case 'recovered':
    case 'done':
    case 'fixed':
    case 'ok':
      return 'good';
    case 'starting':
    case 'booting':
      return 'busy';
    default:
      return 'idle';
  }
}

/** HH:MM (and the day when not today): a boot's label in a chart. */
export function shortTime(t: string | number | undefined): string {
  if (t === undefined) return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const hm = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return new Date().toDateString() === d.toDateString() ? hm : `${d.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${hm}`;
}

const RANK = { bad: 0, warn: 1, busy: 2, idle: 3, good: 4 } as const;

/** The fleet's order: failed (and stalled, handed over) first, then healing, booting, the rest; by name within. */
export function fleetOrder(a: { name: string; state: string }, b: { name: string; state: string }): number {
  return RANK[tone(a.state)] - RANK[tone(b.state)] || a.name.localeCompare(b.name);
}

/** A long record id (a UUID) cut to its first 8 characters for a link's text; the full id goes in its title. */
export function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}

/**
 * A verdict's cause as a word worth showing beside its badge: the supervisor's mechanism
 * words ('ready-signal', 'finding': the console said so) add nothing to the reason that
 * follows, so they are left out; the others ('guest-panicked', 'boot-loop', 'stall', a
 * diagnosed cause) stay.
 */
export function causeWord(cause: string | undefined): string {
  return cause === undefined || cause === 'ready' || cause === 'ready-signal' || cause === 'finding' ? '' : cause;
}
