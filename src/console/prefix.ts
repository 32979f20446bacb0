// Console prefixes the kernel and syslog put before a message: "<6>" (the syslog
// level, kernel Documentation/core-api/printk-basics.rst), "[   12.345678]" (printk
// time) and "[  T123]" / "[    C1]" (CONFIG_PRINTK_CALLER: task id or CPU).

/** The message with its console prefixes parsed out. */
export type Prefix = { text: string; kernelTs?: number; caller?: string; level?: number };

const LEVEL = /^<(\d{1,3})>/;
const TS = /^\[ *(\d{1,10}\.\d{1,9})\]/;
const CALLER = /^\[ *([TC]\d{1,10})\]/;

/** Splits the console prefixes from a cleaned line. */
export function parsePrefix(raw: string): Prefix {
  const first = raw.charCodeAt(0);
  if (first !== 0x3c && first !== 0x5b) return { text: raw }; // neither '<' nor '['
  const out: Prefix = { text: raw };
  let rest = raw;
  let m = LEVEL.exec(rest);
  if (m !== null) {
    out.level = Number(m[1]);
    rest = rest.slice(m[0].length);
  }
  m = TS.exec(rest);
  if (m !== null) {
    out.kernelTs = Number(m[1]);
    rest = rest.slice(m[0].length);
    m = CALLER.exec(rest);
    if (m !== null) {
      out.caller = m[1]!;
      rest = rest.slice(m[0].length);
    }
  } else {
    m = CALLER.exec(rest);
    if (m !== null) {
      out.caller = m[1]!;
      rest = rest.slice(m[0].length);
    }
  }
  if (rest.length !== raw.length) {
    // One separating space belongs to the prefix; further indentation is the message's.
    out.text = rest.charCodeAt(0) === 0x20 ? rest.slice(1) : rest;
  }
  return out;
}
