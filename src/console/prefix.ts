// Console prefixes the kernel and syslog put before a message: "<6>" (the syslog
// level, kernel Documentation/core-api/printk-basics.rst), "[   12.345678]" (printk
// time) and "[  T123]" / "[    C1]" (CONFIG_PRINTK_CALLER: task id or CPU).

/** The message with its console prefixes parsed out. */
export type Prefix = { text: string; kernelTs?: number; caller?: string; level?: number };

/** Mutable scratch for the hot path: -1 / '' mean absent. */
export type PrefixScratch = { text: string; kernelTs: number; caller: string; level: number };

/** Splits the console prefixes from a cleaned line. */
export function parsePrefix(raw: string): Prefix {
  const s: PrefixScratch = { text: raw, kernelTs: -1, caller: '', level: -1 };
  parsePrefixInto(raw, s);
  const out: Prefix = { text: s.text };
  if (s.kernelTs >= 0) out.kernelTs = s.kernelTs;
  if (s.caller !== '') out.caller = s.caller;
  if (s.level >= 0) out.level = s.level;
  return out;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** Parses the prefixes of `raw` into `out` without allocating (this runs on every line). */
export function parsePrefixInto(raw: string, out: PrefixScratch): void {
  parsePrefixAt(raw, 0, raw.length, raw, out);
}

/**
 * Parses the prefixes of the line `s[from, to)`, whose text is `raw`, into `out`. The
 * splitter passes its whole decoded block (a flat string, cheap to read character by
 * character) rather than the line, which is a slice of it.
 */
export function parsePrefixAt(s: string, from: number, to: number, raw: string, out: PrefixScratch): void {
  const i = prefixEndAt(s, from, to, out);
  out.text = i === from ? raw : s.slice(i, to);
}

/**
 * Parses the prefixes of the line `s[from, to)` into `out` (all but `text`, which is left
 * as it was) and returns where the message starts: `s.slice(result, to)` is the text.
 * Allocates nothing unless the line has a caller tag.
 */
export function prefixEndAt(s: string, from: number, to: number, out: PrefixScratch): number {
  out.kernelTs = -1;
  out.caller = '';
  out.level = -1;
  const first = from < to ? s.charCodeAt(from) : -1;
  if (first !== 0x3c && first !== 0x5b) return from; // neither '<' nor '['
  let i = from;
  if (first === 0x3c) {
    // "<N>": one to three digits
    let j = from + 1;
    let level = 0;
    while (j < from + 4 && j < to && isDigit(s.charCodeAt(j))) level = level * 10 + s.charCodeAt(j++) - 0x30;
    if (j === from + 1 || j >= to || s.charCodeAt(j) !== 0x3e) return from;
    out.level = level;
    i = j + 1;
  }
  if (i < to && s.charCodeAt(i) === 0x5b) i = timestampAt(s, i, to, out);
  if (i < to && s.charCodeAt(i) === 0x5b) i = callerAt(s, i, to, out);
  return i > from && i < to && s.charCodeAt(i) === 0x20 ? i + 1 : i;
}

/** The character at `j`, or -1 at or past the line's end `to`. */
const at = (s: string, j: number, to: number) => (j < to ? s.charCodeAt(j) : -1);

/** "[ 12.345678]" at `i`, parsed by hand; returns the index after it (or `i`). */
function timestampAt(s: string, i: number, to: number, out: PrefixScratch): number {
  let j = i + 1;
  while (at(s, j, to) === 0x20 && j < i + 16) j++;
  const start = j;
  let whole = 0;
  while (isDigit(at(s, j, to)) && j - start < 10) whole = whole * 10 + s.charCodeAt(j++) - 0x30;
  if (j === start || at(s, j, to) !== 0x2e) return i;
  j++;
  let frac = 0;
  let scale = 1;
  while (isDigit(at(s, j, to)) && scale < 1e9) {
    frac = frac * 10 + s.charCodeAt(j++) - 0x30;
    scale *= 10;
  }
  if (scale === 1 || at(s, j, to) !== 0x5d) return i;
  out.kernelTs = whole + frac / scale;
  return j + 1;
}

/** "[  T123]" / "[    C1]" at `i`; returns the index after it (or `i`). */
function callerAt(s: string, i: number, to: number, out: PrefixScratch): number {
  let j = i + 1;
  while (at(s, j, to) === 0x20 && j < i + 12) j++;
  const kind = at(s, j, to);
  if (kind !== 0x54 && kind !== 0x43) return i; // 'T' or 'C'
  const start = j;
  j++;
  while (isDigit(at(s, j, to)) && j - start < 11) j++;
  if (j === start + 1 || at(s, j, to) !== 0x5d) return i;
  out.caller = s.slice(start, j);
  return j + 1;
}
