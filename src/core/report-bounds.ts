import { LIMIT } from './limits.ts';

// Bounds of the reports bootmedic writes (outcome.json, hand-over reports, drill reports,
// analyze/diagnose JSON). What exceeds a bound is cut and said so with a visible marker
// ("… 12 more findings not shown; see console.log"): a report is never refused for its size.

/** The marker that stands where `n` items of a kind were left out. */
export const notShown = (n: number, noun: string, see: string): string => `… ${n} more ${noun} not shown; see ${see}`;

/** An item with evidence lines (a finding, an explained observation). */
type WithEvidence = { evidence: readonly unknown[] };

/**
 * Keeps at most `max` evidence lines of each item; an item that had more gets
 * `evidenceNotShown` (the count left out). Items within the bound are returned as they are.
 */
export function boundEvidence<T extends WithEvidence>(items: readonly T[], max: number = LIMIT.REPORT_EVIDENCE_LINES_MAX): (T & { evidenceNotShown?: number })[] {
  return items.map((f) => (f.evidence.length <= max ? f : { ...f, evidence: f.evidence.slice(0, max), evidenceNotShown: f.evidence.length - max }));
}

const utf8 = new TextEncoder();

/**
 * `text` if it fits in `maxBytes` (UTF-8); else its head, cut at a line end, followed by
 * a marker line naming the bytes left out and where to look. The result fits in `maxBytes`.
 */
export function boundText(text: string, opts: { see: string; maxBytes?: number; wrap?: (marker: string) => string }): string {
  const max = opts.maxBytes ?? LIMIT.REPORT_FILE_MAX_BYTES;
  const bytes = utf8.encode(text);
  if (bytes.length <= max) return text;
  const wrap = opts.wrap ?? ((m: string) => `\n${m}\n`);
  // The marker's own length depends on the count; reserve room for the widest count.
  const tail = utf8.encode(wrap(notShown(bytes.length, 'bytes', opts.see))).length;
  let cut = Math.max(0, max - tail);
  // Back off to a line end (or at least a UTF-8 character boundary) so no line or character is torn.
  const nl = bytes.lastIndexOf(0x0a, cut - 1);
  if (nl > 0) cut = nl + 1;
  else while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--;
  const head = new TextDecoder().decode(bytes.subarray(0, cut));
  return head + wrap(notShown(bytes.length - cut, 'bytes', opts.see));
}

/** The noun of a cut list for its marker: the last key of its path ("scenarios[2].findings" → "findings"). */
const nounOf = (path: string) => /([A-Za-z_$][\w$]*)(?:\[\d+\])*$/.exec(path)?.[1] ?? 'items';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type ArraySlot = { path: string; arr: Json[]; size: number };

/** The compact JSON size of `v` (bottom-up, one pass), recording every non-empty list with its size. */
function arraysOf(v: Json, path: string, out: ArraySlot[]): number {
  if (Array.isArray(v)) {
    let size = 2 + Math.max(0, v.length - 1);
    v.forEach((x, i) => (size += arraysOf(x, `${path}[${i}]`, out)));
    if (v.length > 0) out.push({ path, arr: v, size });
    return size;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    let size = 2 + Math.max(0, entries.length - 1);
    for (const [k, x] of entries) size += JSON.stringify(k).length + 1 + arraysOf(x, path === '' ? k : `${path}.${k}`, out);
    return size;
  }
  return JSON.stringify(v).length;
}

/**
 * `value` as JSON (indented by `indent`) within `maxBytes`: when it is larger, the largest
 * lists are cut from their end until it fits, and a top-level `truncated` list says for each
 * cut list how many items were left out and where to look. Strings are never cut here (the
 * parts bound them: console lines, evidence lines); if cutting every list is not enough,
 * a small stub names the size and the place to look. The result is always valid JSON.
 */
export function boundJson(value: unknown, opts: { see: string; maxBytes?: number; indent?: number }): string {
  const max = opts.maxBytes ?? LIMIT.REPORT_FILE_MAX_BYTES;
  const indent = opts.indent ?? 2;
  const render = (v: unknown) => `${JSON.stringify(v, null, indent)}\n`;
  const first = render(value);
  if (Buffer.byteLength(first) <= max) return first;
  const copy = JSON.parse(first) as Json;
  const truncated = new Map<string, number>();
  const withMarks = () => (copy !== null && typeof copy === 'object' && !Array.isArray(copy)
    ? { ...copy, truncated: [...truncated].map(([list, n]) => ({ list, notShown: n, note: notShown(n, nounOf(list), opts.see) })) }
    : copy);
  let size = Buffer.byteLength(first);
  for (let round = 0; round < 10_000; round++) {
    const slots: ArraySlot[] = [];
    const compact = arraysOf(copy, '', slots);
    let biggest: ArraySlot | undefined;
    for (const s of slots) if (biggest === undefined || s.size > biggest.size) biggest = s;
    if (biggest === undefined) break;
    // Drop about the share of the list that the excess is of it (sizes scaled from compact to
    // indented), so that a list is cut to just under the bound, not far below it.
    const share = (size - max) / Math.max(1, (biggest.size * size) / Math.max(1, compact));
    const drop = Math.min(biggest.arr.length, Math.max(1, Math.ceil(biggest.arr.length * share)));
    biggest.arr.splice(biggest.arr.length - drop, drop);
    truncated.set(biggest.path, (truncated.get(biggest.path) ?? 0) + drop);
    const out = render(withMarks());
    size = Buffer.byteLength(out);
    if (size <= max) return out;
  }
  return render({ truncated: true, bytes: Buffer.byteLength(first), note: notShown(Buffer.byteLength(first), 'bytes', opts.see) });
}
