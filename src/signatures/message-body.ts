// Prefixes that sit between the console prefix and the message proper: systemd status
// tags ("[FAILED] ", "[ TIME ] ", "[DEPEND] "), journal-style idents ("systemd[1]: ",
// "dracut-initqueue[312]: "), QEMU's own stderr prefix ("qemu-system-x86_64: ") and
// vmware.log's "<time>| <thread>| I125: ", and leading blanks (GRUB indents). Each check is gated on one cheap character test.

const STATUS = /^\[[ A-Z*]{4,8}\] /;
const IDENT = /^[A-Za-z0-9_.@/-]{1,48}\[\d{1,10}\]: /;
const QEMU = /^qemu-(?:system-[a-z0-9_]{1,16}|kvm|img): /;
const GLUED = /^(?:<\d{1,3}>)?\[ {0,12}\d{1,10}\.\d{1,9}\](?:\[ {0,12}[TC]\d{1,10}\])? ?/;
const VMWARE = /^\d{4}-\d\d-\d\dT[0-9:.]{1,20}(?:Z|[+-][0-9:]{1,6})?\| [^|]{1,40}\| (?:[A-Z]\d{3}: )?/;

/** The message without status, ident, QEMU or vmware.log prefixes; `mayBeGlued`: look for a login prompt in front. */
export function messageBody(text: string, mayBeGlued = true): string {
  let s = text.charCodeAt(0) === 0x20 ? text.trimStart() : text;
  const c = s.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39 && s.charCodeAt(4) === 0x2d) {
    const m = VMWARE.exec(s.slice(0, 128));
    if (m !== null) s = s.slice(m[0].length);
  } else if (c === 0x71) {
    const m = QEMU.exec(s.slice(0, 64));
    if (m !== null) s = s.slice(m[0].length);
  }
  if (s.charCodeAt(0) === 0x5b) {
    const m = STATUS.exec(s.slice(0, 16));
    if (m !== null) s = s.slice(m[0].length);
  }
  // A kernel message glued to a login prompt ("vm login: [   25.1] Kernel panic ..."):
  // the prompt had no newline, so the kernel's line continues it.
  // lastIndexOf from a small index scans at most that many characters, whatever the line.
  const g0 = mayBeGlued ? s.indexOf('login: ') : -1;
  const g = g0 !== -1 && g0 < 65 ? s.lastIndexOf(' login: ', 63) : -1;
  if (g > 0 && g < 64) {
    const m = GLUED.exec(s.slice(g + 8, g + 48));
    if (m !== null) s = s.slice(g + 8 + m[0].length);
  }
  // The forward indexOf is native and fast (']' is rare); the backward search that decides
  // runs only when there is an occurrence early enough.
  const f = s.indexOf(']: ');
  const b = f !== -1 && f < 64 ? s.lastIndexOf(']: ', 63) : -1;
  if (b > 1 && b < 64) {
    const m = IDENT.exec(s.slice(0, 80));
    if (m !== null) s = s.slice(m[0].length);
  }
  return s;
}
