// A guest that announces how long it will wait is not stalled while that wait runs.
// systemd prints its running jobs with their elapsed time and their limit, for example
//   "A start job is running for /dev/disk/by-uuid/… (1min 2s / 1min 30s)"
//   "Job dev-disk-by….device/start running (12s / 1min 30s)"
// and when the limit passes it ends the job itself ("Timed out waiting for device"), which
// is the evidence of what failed. Calling the boot stalled before that throws the evidence
// away; the phase tracker therefore holds its stall clock until the announced end.

// Some boot loaders wait a fixed time without saying how long: GRUB prints "Press any key to
// continue..." after an error and waits up to 10 s for a key before it goes on (GRUB 2.06,
// grub-core/normal/menu.c, grub_wait_after_message; the recorded debian-grub-kernel-file-
// missing console shows 10.06 s). What it prints next ("Failed to boot both default and
// fallback entries.") is the evidence.
const KNOWN_WAITS: ReadonlyMap<string, number> = new Map([['Press any key to continue...', 10_000]]);

/** The longest announced wait that holds the stall clock; a longer limit is capped here. */
export const MAX_DECLARED_WAIT_MS = 10 * 60_000;

const UNIT_MS: Record<string, number> = { h: 3_600_000, min: 60_000, s: 1000, ms: 1 };
const WAIT = /\(([0-9a-z. ]{1,32}) \/ ([0-9a-z. ]{1,32})\)\s*$/;
const PART = /^([0-9]+(?:\.[0-9]+)?)(h|min|ms|s)$/;

/** systemd's timespan text ("1min 30s", "90s", "2h 5min", "500ms") in ms, or undefined. */
export function parseTimespan(text: string): number | undefined {
  const parts = text.trim().split(' ');
  let ms = 0;
  for (const p of parts) {
    const m = PART.exec(p);
    if (m === null) return undefined;
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return ms;
}

/**
 * The time left of a wait the line announces ("… running (12s / 1min 30s)", or a known
 * fixed wait such as GRUB's "Press any key to continue..."), in ms, capped at
 * MAX_DECLARED_WAIT_MS; undefined for any other line, and for "no limit".
 */
export function declaredWaitLeft(text: string): number | undefined {
  const known = KNOWN_WAITS.get(text.trim());
  if (known !== undefined) return known;
  if (!text.includes('running') || !text.includes(' / ')) return undefined;
  const m = WAIT.exec(text);
  if (m === null) return undefined;
  const elapsed = parseTimespan(m[1]!);
  const limit = parseTimespan(m[2]!);
  if (elapsed === undefined || limit === undefined || limit <= elapsed) return undefined;
  return Math.min(limit - elapsed, MAX_DECLARED_WAIT_MS);
}
