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
  out.text = raw;
  out.kernelTs = -1;
  out.caller = '';
  out.level = -1;
  const first = raw.charCodeAt(0);
  if (first !== 0x3c && first !== 0x5b) return; // neither '<' nor '['
  let i = 0;
  if (first === 0x3c) {
    // "<N>": one to three digits
    let j = 1;
    let level = 0;
    while (j < 4 && isDigit(raw.charCodeAt(j))) level = level * 10 + raw.charCodeAt(j++) - 0x30;
    if (j === 1 || raw.charCodeAt(j) !== 0x3e) return;
    out.level = level;
    i = j + 1;
  }
  if (raw.charCodeAt(i) === 0x5b) i = timestampAt(raw, i, out);
  if (raw.charCodeAt(i) === 0x5b) i = callerAt(raw, i, out);
  if (i > 0) out.text = raw.charCodeAt(i) === 0x20 ? raw.slice(i + 1) : raw.slice(i);
}

/** "[ 12.345678]" at `i`, parsed by hand; returns the index after it (or `i`). */
function timestampAt(s: string, i: number, out: PrefixScratch): number {
  let j = i + 1;
  while (s.charCodeAt(j) === 0x20 && j < i + 16) j++;
  const start = j;
  let whole = 0;
  while (isDigit(s.charCodeAt(j)) && j - start < 10) whole = whole * 10 + s.charCodeAt(j++) - 0x30;
  if (j === start || s.charCodeAt(j) !== 0x2e) return i;
  j++;
  let frac = 0;
  let scale = 1;
  while (isDigit(s.charCodeAt(j)) && scale < 1e9) {
    frac = frac * 10 + s.charCodeAt(j++) - 0x30;
    scale *= 10;
  }
  if (scale === 1 || s.charCodeAt(j) !== 0x5d) return i;
  out.kernelTs = whole + frac / scale;
  return j + 1;
}

/** "[  T123]" / "[    C1]" at `i`; returns the index after it (or `i`). */
function callerAt(s: string, i: number, out: PrefixScratch): number {
  let j = i + 1;
  while (s.charCodeAt(j) === 0x20 && j < i + 12) j++;
  const kind = s.charCodeAt(j);
  if (kind !== 0x54 && kind !== 0x43) return i; // 'T' or 'C'
  const start = j;
  j++;
  while (isDigit(s.charCodeAt(j)) && j - start < 11) j++;
  if (j === start + 1 || s.charCodeAt(j) !== 0x5d) return i;
  out.caller = s.slice(start, j);
  return j + 1;
}
