// Console prefixes the kernel and syslog put before a message: "<6>" (the syslog
// level, kernel Documentation/core-api/printk-basics.rst), "[   12.345678]" (printk
// time) and "[  T123]" / "[    C1]" (CONFIG_PRINTK_CALLER: task id or CPU).

/** The message with its console prefixes parsed out. */
export type Prefix = { text: string; kernelTs?: number; caller?: string; level?: number };

const LEVEL = /^<(\d{1,3})>/;
const CALLER = /^\[ *([TC]\d{1,10})\]/;

/** Splits the console prefixes from a cleaned line. */
export function parsePrefix(raw: string): Prefix {
  const first = raw.charCodeAt(0);
  if (first !== 0x3c && first !== 0x5b) return { text: raw }; // neither '<' nor '['
  const out: Prefix = { text: raw };
  let i = 0;
  if (first === 0x3c) {
    const m = LEVEL.exec(raw);
    if (m === null) return out;
    out.level = Number(m[1]);
    i = m[0].length;
  }
  if (raw.charCodeAt(i) === 0x5b) {
    const ts = timestampAt(raw, i);
    if (ts !== undefined) {
      out.kernelTs = ts.value;
      i = ts.end;
    }
    if (raw.charCodeAt(i) === 0x5b) {
      const m = CALLER.exec(raw.slice(i, i + 16));
      if (m !== null) {
        out.caller = m[1]!;
        i += m[0].length;
      }
    }
  }
  if (i > 0) out.text = raw.charCodeAt(i) === 0x20 ? raw.slice(i + 1) : raw.slice(i);
  return out;
}

/** Parses "[ 12.345678]" at `i` by hand (this runs on every kernel line). */
function timestampAt(s: string, i: number): { value: number; end: number } | undefined {
  let j = i + 1;
  while (s.charCodeAt(j) === 0x20 && j < i + 16) j++;
  const start = j;
  let dot = -1;
  for (; j < s.length && j < i + 24; j++) {
    const c = s.charCodeAt(j);
    if (c >= 0x30 && c <= 0x39) continue;
    if (c === 0x2e && dot === -1) {
      dot = j;
      continue;
    }
    break;
  }
  if (s.charCodeAt(j) !== 0x5d || dot <= start || dot === j - 1) return undefined;
  return { value: Number(s.slice(start, j)), end: j + 1 };
}
