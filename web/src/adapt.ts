// Adapters from the server's JSON (docs/api.md, src/server/schemas.ts) to the shapes the
// pages use (types.ts). They accept the older draft field names too, so a field that moves
// on the server is fixed here, not in a page. Pure functions: test/dashboard-adapt.test.ts.
import type {
  BootConsole, BootOutcome, BootRow, ConsoleLine, Evidence, Finding, InclusionProofJson, Incident,
  IncidentSummary, LedgerEntryRow, LedgerHead,
} from './types.ts';

export type Json = Record<string, unknown>;
export const rec = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** Only the keys whose value is defined (exactOptionalPropertyTypes). */
function defined<T extends Json>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** A boot's cause as one word: the server may send a string or the supervisor's cause object. */
function causeText(v: unknown): string {
  if (typeof v === 'string') return v;
  const c = rec(v);
  return str(c['family']) ?? str(c['finding']) ?? str(c['component']) ?? str(c['layer']) ?? '';
}

export function toBootRow(v: unknown): BootRow {
  const b = rec(v);
  return defined({
    bootId: str(b['bootId']) ?? str(b['id']) ?? '?',
    status: str(b['status']) ?? 'unknown',
    cause: causeText(b['cause']),
    phase: str(b['phase']),
    reason: str(b['reason']) ?? '',
    startedAt: str(b['startedAt']) ?? '',
    durationMs: num(b['durationMs']) ?? 0,
    timeline: arr(b['timeline']).map((t) => ({ phase: str(rec(t)['phase']) ?? '?', atMs: num(rec(t)['atMs']) ?? 0 })),
    findings: Array.isArray(b['findings']) ? (b['findings'] as Finding[]) : undefined,
    hasTimeline: Array.isArray(b['timeline']),
  }) as BootRow;
}

export function toBoot(v: unknown): BootOutcome {
  const b = rec(v);
  return { ...toBootRow(v), vm: str(b['vm']) ?? '', phase: str(b['phase']) ?? '', findings: arr(b['findings']) as Finding[], evidence: arr(b['evidence']) as Evidence[] };
}

export function toConsole(v: unknown): BootConsole {
  const c = rec(v);
  if (Array.isArray(c['lines'])) return { lines: c['lines'] as ConsoleLine[], findingLines: arr(c['findingLines']).filter((n): n is number => typeof n === 'number') };
  const text = str(c['text']) ?? '';
  const first = num(c['firstLine']) ?? 1;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return {
    lines: lines.map((t, i) => ({ no: first + i, text: t })),
    findingLines: arr(c['findings']).map((f) => num(rec(f)['line'])).filter((n): n is number => n !== undefined),
  };
}

export function toIncidentSummary(v: unknown): IncidentSummary {
  const i = rec(v);
  return defined({
    id: str(i['id']) ?? '?',
    vm: str(i['vm']) ?? '',
    status: str(i['status']) ?? 'unknown',
    detectedAt: str(i['detectedAt']) ?? num(i['detectedAt']) ?? '',
    closedAt: str(i['closedAt']) ?? num(i['closedAt']),
    mttrMs: num(i['mttrMs']),
  }) as IncidentSummary;
}

/** The incident list: the server's `{open, recent}` (or a plain array), open ones first, each once. */
export function toIncidentList(v: unknown): IncidentSummary[] {
  const all = Array.isArray(v) ? v : [...arr(rec(v)['open']), ...arr(rec(v)['recent'])];
  const seen = new Set<string>();
  return all.map(toIncidentSummary).filter((i) => !seen.has(i.id) && seen.add(i.id));
}

/** The diagnosis's explanation (src/diagnose Explanation, or lines already) as readable lines. */
export function explanationLines(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  if (typeof v === 'string') return [v];
  const e = rec(v);
  const out: string[] = [];
  const summary = str(e['summary']);
  if (summary) out.push(summary);
  const bits = (n: number) => `${n > 0 ? '+' : ''}${n.toFixed(1)} bits`;
  for (const x of arr(e['evidence'])) {
    const o = rec(x);
    const moved = [...arr(o['raised']), ...arr(o['lowered'])].map((m) => `${str(rec(m)['cause'])} ${bits(num(rec(m)['bits']) ?? 0)}`);
    out.push(`${str(o['detail']) ?? str(o['evidence']) ?? '?'}${moved.length ? `: ${moved.join(', ')}` : ''}`);
  }
  return out;
}

function stepResult(o: Json): string | undefined {
  const d = o['detail'];
  if (d === undefined || d === null) return undefined;
  if (typeof d === 'string') return d;
  const r = rec(d);
  if (Object.keys(r).length === 0) return undefined;
  const attempt = num(r['attempt']);
  const parts = [str(r['status']) && `boot ${str(r['status'])}`, str(r['bootId']) && `(${str(r['bootId'])})`, str(r['reason']), str(r['error']), str(r['fix']) && `fix: ${str(r['fix'])}`, attempt !== undefined && `attempt ${attempt}`].filter(Boolean);
  // What is left (a remedy's fix vector, internal counters) means nothing to a reader.
  return parts.length ? parts.join(' ') : undefined;
}

export function toIncident(v: unknown): Incident {
  const i = rec(v);
  const causes = arr(i['posterior'] ?? i['causes'] ?? rec(i['diagnosis'])['causes']).map((c) => ({ cause: str(rec(c)['cause']) ?? '?', probability: num(rec(c)['probability']) ?? 0 }));
  const forensicList = Array.isArray(i['forensics']) ? (i['forensics'] as unknown[]).map(String) : str(i['forensic']) !== undefined ? [str(i['forensic'])!] : [];
  const forensics = forensicList.join(', ');
  const status = str(i['status']) ?? 'unknown';
  const handOver = i['handOver'] !== undefined ? rec(i['handOver']) : status === 'handed-over' ? defined({ reason: str(i['reason']) }) : undefined;
  return defined({
    ...toIncidentSummary(v),
    bootId: str(i['bootId']),
    evidence: arr(i['evidence']) as Evidence[],
    // The leading causes: the top three, and any other above 1 %.
    causes: causes.sort((a, b) => b.probability - a.probability).filter((c, n) => n < 3 || c.probability >= 0.01).slice(0, 8),
    explanation: explanationLines(i['explanation'] ?? rec(i['diagnosis'])['explanation']),
    steps: arr(i['steps']).map((x) => {
      const o = rec(x);
      return defined({
        seq: num(o['seq']) ?? 0,
        remedy: str(o['remedy']) ?? '?',
        status: str(o['outcome']) ?? str(o['status']) ?? (str(o['state']) === 'done' ? 'done' : 'running'),
        result: str(o['result']) ?? stepResult(o),
        startedAt: str(o['startedAt']),
        endedAt: str(o['finishedAt']) ?? str(o['endedAt']),
      });
    }),
    forensic: forensics || undefined,
    forensics: forensicList,
    handOver,
    fixedBy: str(i['fixedBy']),
  }) as Incident;
}

/**
 * The hand-over report (GET /incidents/{id}/handover: `{incidentId, markdown, report}`),
 * merged over what the incident row already said (its reason).
 */
export function toHandOver(v: unknown, base?: Incident['handOver']): NonNullable<Incident['handOver']> {
  const h = rec(v);
  const r = rec(h['report']);
  const snaps = arr(r['forensicSnapshots']).filter((x): x is string => typeof x === 'string');
  return defined({
    ...(base ?? {}),
    reason: str(r['reason']) ?? base?.reason,
    markdown: str(h['markdown']),
    forensicSnapshots: snaps.length > 0 ? snaps : undefined,
    lastBoot: str(r['lastBoot']),
  }) as NonNullable<Incident['handOver']>;
}

/**
 * A small, safe reading of the Markdown the service writes (hand-over.md, drill report.md):
 * headings, list items and paragraphs as data, never as HTML.
 */
export type MdBlock = { kind: 'h1' | 'h2' | 'p'; text: string } | { kind: 'ul'; items: string[] };
export function markdownBlocks(md: string): MdBlock[] {
  const out: MdBlock[] = [];
  for (const raw of md.split('\n')) {
    const line = raw.trimEnd();
    if (line.trim() === '') continue;
    const item = /^\s*[-*] (.*)$/.exec(line);
    const last = out[out.length - 1];
    if (item) {
      if (last?.kind === 'ul') last.items.push(item[1]!);
      else out.push({ kind: 'ul', items: [item[1]!] });
    } else if (line.startsWith('# ')) out.push({ kind: 'h1', text: line.slice(2) });
    else if (/^#{2,6} /.test(line)) out.push({ kind: 'h2', text: line.replace(/^#+ /, '') });
    else out.push({ kind: 'p', text: line });
  }
  return out;
}

export function toLedgerHead(v: unknown): LedgerHead {
  const l = rec(v);
  return { size: num(l['size']) ?? 0, checkpoint: str(l['checkpoint']) ?? '', publicKey: str(l['vkey']) ?? str(l['publicKey']) ?? '' };
}

export function toEntries(v: unknown): LedgerEntryRow[] {
  const list = Array.isArray(v) ? v : arr(rec(v)['entries']);
  return list.map((x) => {
    const o = rec(x);
    const e = o['entry'] !== undefined ? rec(o['entry']) : o;
    return { ...(e as Json), index: num(o['index']) ?? -1, type: str(e['type']) ?? '?', data: e['data'] } as LedgerEntryRow;
  });
}

export function toProof(v: unknown): InclusionProofJson {
  const p = rec(v);
  return defined({
    index: num(p['index']) ?? -1,
    size: num(p['size']) ?? 0,
    leafHash: str(p['leafHash']) ?? '',
    proof: arr(p['proof']).map(String),
    checkpoint: str(p['checkpoint']) ?? '',
    entry: str(p['entry']),
  }) as InclusionProofJson;
}

