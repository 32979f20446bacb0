// Removes terminal control from one console line: ANSI CSI / OSC / two-byte ESC
// sequences (ECMA-48 §5.4), other C0 controls, and carriage-return overdraw, where a
// bare "\r" followed by more text (progress bars, systemd's animated "[  ***] A start
// job is running" lines) leaves only the text written after the last "\r".
// A cursor move to a screen position (CUP "CSI row;col H", HVP "CSI row;col f") starts
// another row of a full-screen drawing (UEFI dialogs, such as shim's "Verification
// failed" box, draw each row with one and no newline): it becomes one space between the
// texts it separates, so the rows' words stay apart and a message stays whole.

// Any character that needs the slow path: C0 controls except TAB, DEL, and the C1 range
// (U+0080-U+009F, where the 8-bit CSI U+009B lives). A contiguous class is also the
// fastest one for V8 to scan.
const NEEDS_CLEANING = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/** Returns the line without terminal control sequences and with CR overdraw applied. */
export function cleanLine(s: string): string {
  if (!NEEDS_CLEANING.test(s)) return s;
  // The pieces of the output, joined once at the end: a string built by += of many small
  // pieces grew slower than linearly in V8 (a line of cursor moves between words).
  const out: string[] = [];
  let resetPending = false;
  let separate = false; // a cursor move to a screen position came since the last text
  let endsInSpace = false; // the last piece ends in a space
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 0x1b) {
      const j = skipEscape(s, i + 1);
      if (s.charCodeAt(i + 1) === 0x5b && isCursorPosition(s, j)) separate = true;
      i = j;
      continue;
    }
    if (c === 0x9b) {
      const j = skipCsi(s, i + 1);
      if (isCursorPosition(s, j)) separate = true;
      i = j;
      continue;
    }
    if (c === 0x0d) {
      resetPending = true;
      i++;
      continue;
    }
    if (c < 0x20 && c !== 0x09) {
      i++;
      continue;
    }
    if (c >= 0x7f && c <= 0x9f) {
      i++; // DEL and the other C1 controls
      continue;
    }
    // Copy a run of plain characters at once (the common case inside a dirty line).
    let j = i + 1;
    while (j < n) {
      const d = s.charCodeAt(j);
      if ((d < 0x20 && d !== 0x09) || (d >= 0x7f && d <= 0x9f)) break;
      j++;
    }
    if (resetPending) {
      out.length = 0;
      resetPending = false;
    } else if (separate && out.length > 0 && !endsInSpace) {
      out.push(' ');
    }
    separate = false;
    out.push(s.slice(i, j));
    endsInSpace = s.charCodeAt(j - 1) === 0x20;
    i = j;
  }
  return out.join('');
}

/** Index after the escape sequence whose ESC is just before `i` (incomplete → end). */
function skipEscape(s: string, i: number): number {
  if (i >= s.length) return i;
  const c = s.charCodeAt(i);
  if (c === 0x5b) return skipCsi(s, i + 1); // ESC [
  if (c === 0x5d || c === 0x50 || c === 0x5f || c === 0x5e || c === 0x58) {
    // OSC, DCS, APC, PM, SOS: a string ended by BEL or ST (ESC \); bounded by the line.
    for (let j = i + 1; j < s.length; j++) {
      const d = s.charCodeAt(j);
      if (d === 0x07) return j + 1;
      if (d === 0x1b && s.charCodeAt(j + 1) === 0x5c) return j + 2;
    }
    return s.length;
  }
  // nF sequences: intermediates 0x20-0x2F then one final byte (e.g. ESC ( B); else Fp/Fe/Fs: one byte.
  let j = i;
  while (j < s.length && s.charCodeAt(j) >= 0x20 && s.charCodeAt(j) <= 0x2f) j++;
  return Math.min(j + 1, s.length);
}

/** True when the CSI sequence that ends just before `end` is CUP or HVP (final byte H or f). */
function isCursorPosition(s: string, end: number): boolean {
  const f = s.charCodeAt(end - 1);
  return f === 0x48 || f === 0x66;
}

/** Index after a CSI body starting at `i`: parameters, intermediates, one final byte. */
function skipCsi(s: string, i: number): number {
  let j = i;
  while (j < s.length) {
    const d = s.charCodeAt(j);
    if (d >= 0x40 && d <= 0x7e) return j + 1;
    if (d < 0x20 || d > 0x3f) return j; // malformed: stop before the stray character
    j++;
  }
  return j;
}
