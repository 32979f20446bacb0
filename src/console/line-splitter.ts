import { Buffer, isAscii } from 'node:buffer';
import { BYTE_BLOCK_MAX, createByteScan } from './byte-scan.ts';
import type { ByteBlock, ByteScan } from './byte-scan.ts';
import { cleanLine } from './clean-line.ts';
import { parsePrefixAt, prefixEndAt } from './prefix.ts';
import type { PrefixScratch } from './prefix.ts';
import { LIMIT } from '../core/index.ts';
import { consoleErrors } from './errors.ts';

/** One console line, cleaned of terminal control, with its kernel/syslog prefixes parsed. */
export type ConsoleLine = {
  /** 1-based line number within this boot's console. */
  no: number;
  /** The line after ANSI/CR cleaning, prefixes kept (shown as evidence). */
  raw: string;
  /** The line with console prefixes ("[  12.345678]", "[ T123]", "[ C1]", "<6>") removed. */
  text: string;
  /** Seconds, from "[  12.345678]". */
  kernelTs?: number;
  /** "T123" | "C1". */
  caller?: string;
  /** Syslog level from "<N>". */
  level?: number;
  /** Arrival time from the injected clock (ms since the splitter was created). */
  atMs: number;
  /** True when the line hit maxLineBytes and was cut. */
  truncated?: boolean;
};

export type LineSplitterOptions = {
  onLine: (line: ConsoleLine) => void;
  /** Called after each push with the cleaned, still-unterminated tail (a prompt such as
   *  "(initramfs) ", "login: ", "grub> " has no newline). Not called when the tail is empty. */
  onPartial?: (text: string, atMs: number) => void;
  /** Default 64 KiB; longer lines are cut and flagged, never buffered unboundedly. */
  maxLineBytes?: number;
  /** Injected clock, default performance.now() relative to creation. */
  now?: () => number;
  /** Lets the consumer pass over the lines it has no use for without a ConsoleLine each. */
  skipper?: LineSkipper;
  /**
   * Default true: search ASCII bytes with a WebAssembly byte scan, where it is available:
   * the skipper's (LineSkipper.byteScan), else one of the splitter's own; a ByteScan: use
   * that one (shared with other splitters, so its literal tables are built once); false
   * keeps to the string searches (same lines, slower).
   */
  byteScan?: boolean | ByteScan;
};

/**
 * How a consumer that looks only for some literals (the signature engine) passes over the
 * other lines cheaply. The splitter asks `next` where the next literal starts in its
 * decoded block, once for many lines; a clean, complete line with a non-empty message that
 * ends before that point goes to `skip` as offsets into the block instead of to `onLine`
 * as an object. `skip` gets exactly the lines that `onLine` would have got, with the same
 * numbers, so the consumer can build the ConsoleLine later (consoleLineAt) when it needs it.
 */
export type LineSkipper = {
  /**
   * The byte scan the consumer's literal tables live in: a splitter given no scan of its
   * own uses it, so that the splitters of every consumer of one kind share one instance
   * and its tables. Undefined: the splitter makes its own.
   */
  readonly byteScan?: ByteScan | undefined;
  /** While true, every line goes to onLine. Read before each line. */
  readonly all: boolean;
  /** While true, every line with a kernel timestamp ("[   1.234567]") goes to onLine too. */
  readonly timestamped: boolean;
  /** Changes whenever `next` would answer differently (the splitter then searches again). */
  readonly version: number;
  /**
   * Where the first literal the consumer looks for starts in `s` at or after `from`, or -1.
   * `bytes` is given when `s` is the Latin-1 string of an ASCII block loaded in the byte
   * scan: the consumer may search the bytes there instead (ByteBlock.find).
   */
  next(s: string, from: number, bytes?: ByteBlock): number;
  /** True when a literal the consumer looks for occurs in `line` (a line cleaned of terminal control); `bytes` is given when the line is ASCII. */
  occursIn(line: string, bytes?: ByteBlock): boolean;
  /** A line passed over: `s[from, to)` is its raw text (clean, message not empty), `no` its number. */
  skip(s: string, from: number, to: number, no: number, atMs: number): void;
};

/** A streaming splitter: push bytes or text as they arrive, get cleaned lines. */
export type LineSplitter = {
  push(chunk: Uint8Array | string): void;
  end(): void;
  /** Lines split so far (the number of the last one). */
  readonly lines: number;
};

const DEFAULT_MAX_LINE = LIMIT.CONSOLE_LINE_MAX_BYTES;
// A prompt is short; the partial callback sees at most this much of a long tail, so a
// byte-at-a-time stream into a long unterminated line stays linear.
const PARTIAL_WINDOW = 4096;
// Bytes are decoded in blocks of about this size, cut after a newline: a block of pure
// ASCII (most of a console) is decoded as Latin-1, a plain copy cheaper than UTF-8
// decoding that gives one-byte strings, which every later step scans faster;
// only the blocks with other bytes go through the UTF-8 decoder.
const BLOCK = BYTE_BLOCK_MAX; // 64 KiB, what the byte scan's memory holds
// A block with other bytes is looked at in pieces of about this size, each cut after a
// newline: the pieces of pure ASCII are still decoded as Latin-1, and only the others go
// through the UTF-8 decoder (a console's non-ASCII lines are few but spread out).
const PIECE = 1024;
// The UTF-8 byte-order mark.
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
// What makes a line need cleanLine(): a control character other than TAB, LF and CR, or
// a CR that does not end the line (CRLF is the common line end on serial consoles). A
// global regex, used with lastIndex to find the next one from a position: one native
// scan finds the next dirty line for many clean ones. The CR alternative comes first:
// irregexp scans this order faster (same matches: CR is not in the class; docs/console.md).
const DIRTY = /\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;

/**
 * Creates a streaming line splitter: bytes in (UTF-8, invalid bytes become U+FFFD and
 * never throw), `ConsoleLine`s out, with memory bounded by `maxLineBytes`.
 *
 * @example
 * const s = createLineSplitter({ onLine: (l) => engine.push(l) });
 * vm.onEvent((ev) => { if (ev.type === 'console') s.push(ev.chunk); });
 */
export function createLineSplitter(opts: LineSplitterOptions): LineSplitter {
  const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE;
  if (!Number.isInteger(max) || max < 16) throw consoleErrors.make('CONSOLE_BAD_OPTION', `maxLineBytes ${max}: must be an integer of at least 16`);
  const t0 = opts.now === undefined ? performance.now() : 0;
  const now = opts.now ?? (() => performance.now() - t0);
  // The byte-order mark is dropped by hand (see push): Node's streaming decoder drops one
  // after an invalid first byte when that byte came alone, so the lines would depend on
  // how the bytes were cut.
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  const { onLine, onPartial } = opts;
  let no = 0;
  let tail = ''; // the unterminated rest, uncleaned
  let discarding = false; // after a cut line, drop text until the next newline
  let decoderEmpty = true; // the UTF-8 decoder holds no partial character
  let head: Buffer | undefined = Buffer.alloc(0); // the stream's first bytes while they may be the start of a BOM
  const p: PrefixScratch = { text: '', kernelTs: -1, caller: '', level: -1 };
  const skipper = opts.skipper;
  // The clean-line test over the bytes of an ASCII block (WebAssembly SIMD), when available;
  // made when the first bytes arrive (a splitter fed text never needs it).
  let bytes: ByteBlock | undefined;
  let bytesMade = opts.byteScan === false;
  const bytesNow = (): ByteBlock | undefined => {
    if (!bytesMade) {
      bytesMade = true;
      bytes = (typeof opts.byteScan === 'object' ? opts.byteScan : (skipper?.byteScan ?? createByteScan()))?.block();
    }
    return bytes;
  };
  let skipperVersion = -1; // the skipper's version when nextHit was found

  /** Cleans and emits a line; `ascii`: it came from an ASCII block, so the byte scan may search it. */
  function emit(rawText: string, atMs: number, truncated: boolean, ascii = false): void {
    // CRLF is the common line end on serial consoles: drop the CR before the (cheap)
    // check for control characters, so such lines stay on the fast path.
    const raw = cleanLine(rawText.charCodeAt(rawText.length - 1) === 0x0d ? rawText.slice(0, -1) : rawText);
    // A cleaned line (systemd's coloured status lines) may be passed over as well.
    if (skipper !== undefined && !skipper.all && !truncated && raw.length > 0 && !skipper.occursIn(raw, ascii ? bytes : undefined) && skippable(raw, 0, raw.length, skipper.timestamped)) {
      skipper.skip(raw, 0, raw.length, ++no, atMs);
      return;
    }
    emitClean(raw, 0, raw.length, raw, atMs, truncated);
  }

  /** Emits a line already free of terminal control: `raw`, which is `src[from, to)`. */
  function emitClean(src: string, from: number, to: number, raw: string, atMs: number, truncated: boolean): void {
    onLine(lineFrom(src, from, to, raw, ++no, atMs, truncated, p));
  }

  /**
   * False for a clean line `s[from, to)` that must go to onLine even without a literal of
   * the skipper: one whose message is empty ("[    1.0]"), and one with a kernel
   * timestamp while `timestamped`. Only a line starting with '<' or '[' has a prefix.
   */
  function skippable(s: string, from: number, to: number, timestamped: boolean): boolean {
    const first = s.charCodeAt(from);
    if (first !== 0x3c && first !== 0x5b) return true;
    const last = s.charCodeAt(to - 1);
    // Only a line ending in ']', '>' or ' ' can have an empty message.
    if (!timestamped && last !== 0x5d && last !== 0x3e && last !== 0x20) return true;
    return prefixEndAt(s, from, to, p) < to && !(timestamped && p.kernelTs >= 0);
  }

  /** Keeps a long unterminated tail bounded: CR overdraw first, then a cut. */
  function bound(atMs: number): void {
    if (tail.length <= max) return;
    // Text before a "\r" that has more text after it is overdrawn: drop it now.
    const cr = tail.lastIndexOf('\r', tail.length - 2);
    if (cr >= 0 && cleanLine(tail.slice(cr + 1)).length > 0) tail = tail.slice(cr + 1);
    if (tail.length <= max) return;
    emit(tail.slice(0, max), atMs, true);
    tail = '';
    discarding = true;
  }

  /** Splits decoded text; `backed`: `s` is the Latin-1 string of the ASCII block just loaded into `bytes`. */
  function feed(s: string, backed = false): void {
    if (s.length === 0) return;
    const atMs = now();
    let start = 0;
    let nl = s.indexOf('\n');
    let hadTail = false;
    // Where the next DIRTY character is: the lines before it need no cleaning.
    let nextDirty = -1;
    // Where the skipper's next literal starts (valid from `start` on while its version holds).
    let nextHit = -1;
    while (nl !== -1) {
      if (discarding) {
        discarding = false;
      } else if (tail.length === 0 && nl - start <= max) {
        if (nextDirty < start) {
          if (backed) {
            nextDirty = bytes!.dirty(start);
          } else {
            DIRTY.lastIndex = start;
            nextDirty = DIRTY.test(s) ? DIRTY.lastIndex - 1 : s.length;
          }
        }
        // A CR just before the LF is the line end; one anywhere else overdraws.
        const end = nl > start && s.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
        if (nextDirty >= nl) {
          if (skipper !== undefined && !skipper.all && end > start) {
            if (nextHit < start || skipperVersion !== skipper.version) {
              skipperVersion = skipper.version;
              nextHit = skipper.next(s, start, backed ? bytes : undefined);
              if (nextHit === -1) nextHit = s.length;
            }
            if (nextHit >= end && skippable(s, start, end, skipper.timestamped)) {
              skipper.skip(s, start, end, ++no, atMs);
              start = nl + 1;
              nl = s.indexOf('\n', start);
              continue;
            }
          }
          emitClean(s, start, end, s.slice(start, end), atMs, false);
        } else {
          emit(s.slice(start, nl), atMs, false, backed);
        }
      } else {
        let piece = tail.length === 0 ? s.slice(start, nl) : tail + s.slice(start, nl);
        tail = '';
        if (piece.length > max) {
          // A cut line: keep its start, as bound() would have had it arrived slowly.
          const cr = piece.lastIndexOf('\r', piece.length - 2);
          if (cr >= 0 && cleanLine(piece.slice(cr + 1)).length > 0) piece = piece.slice(cr + 1);
          if (piece.length > max) emit(piece.slice(0, max), atMs, true);
          else emit(piece, atMs, false);
        } else {
          emit(piece, atMs, false);
        }
      }
      start = nl + 1;
      nl = s.indexOf('\n', start);
    }
    if (start < s.length) {
      hadTail = true;
      if (!discarding) {
        tail += start === 0 ? s : s.slice(start);
        bound(atMs);
      }
    }
    if (hadTail && onPartial !== undefined && !discarding && tail.length > 0) {
      const shown = cleanLine(tail.length > PARTIAL_WINDOW ? tail.slice(-PARTIAL_WINDOW) : tail);
      if (shown.length > 0) onPartial(shown, atMs);
    }
  }

  return {
    push(chunk) {
      if (typeof chunk === 'string') {
        feed(chunk);
        return;
      }
      let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (head !== undefined) {
        // A UTF-8 byte-order mark is dropped at the start of the stream only (WHATWG
        // Encoding, "UTF-8 decode"); its bytes may come one at a time.
        buf = head.length === 0 ? buf : Buffer.concat([head, buf]);
        if (buf.length < 3 && UTF8_BOM.subarray(0, buf.length).equals(buf)) {
          head = buf;
          return;
        }
        head = undefined;
        if (UTF8_BOM.equals(buf.subarray(0, 3))) buf = buf.subarray(3);
      }
      for (let at = 0; at < buf.length; ) {
        let to = Math.min(at + BLOCK, buf.length);
        if (to < buf.length) {
          const nl = buf.lastIndexOf(0x0a, to - 1);
          if (nl >= at) to = nl + 1;
        }
        // The decoder may hold the start of a character cut by the previous chunk; it
        // holds none after a block that ended in an ASCII byte.
        const scan = decoderEmpty ? bytesNow() : undefined;
        if (scan !== undefined) {
          // The runs of ASCII lines go as Latin-1, searched in the byte scan; each line
          // with other bytes goes through the decoder on its own.
          scan.load(buf, at, to);
          while (at < to && decoderEmpty) {
            const high = scan.high(at);
            const lineStart = high === to ? to : Math.max(at, buf.lastIndexOf(0x0a, high) + 1);
            if (lineStart > at) {
              scan.window(at, lineStart);
              feed(buf.toString('latin1', at, lineStart), true);
              at = lineStart;
            }
            if (at === to) break;
            const nl = buf.indexOf(0x0a, high);
            const lineEnd = nl === -1 || nl >= to ? to : nl + 1;
            feed(decoder.decode(buf.subarray(at, lineEnd), { stream: true }));
            decoderEmpty = buf[lineEnd - 1]! < 0x80;
            at = lineEnd;
          }
          continue;
        }
        if (decoderEmpty) {
          const ascii = asciiLinesEnd(buf, at, to);
          if (ascii > at) {
            feed(buf.toString('latin1', at, ascii));
            at = ascii;
            continue;
          }
          // The piece at `at` has other bytes: decode that piece only.
          to = pieceEnd(buf, at, to);
        }
        const block = buf.subarray(at, to);
        feed(decoder.decode(block, { stream: true }));
        decoderEmpty = block[block.length - 1]! < 0x80;
        at = to;
      }
    },
    end() {
      if (head !== undefined && head.length > 0) feed(decoder.decode(head, { stream: true }));
      head = undefined;
      feed(decoder.decode());
      if (tail.length > 0 && !discarding) emit(tail, now(), false);
      tail = '';
      discarding = false;
    },
    get lines() {
      return no;
    },
  };
}

/** Where the piece of `buf` from `at` (at most PIECE bytes, within `to`) ends after a newline; `to` when it has none. */
function pieceEnd(buf: Buffer, at: number, to: number): number {
  if (at + PIECE >= to) return to;
  const nl = buf.lastIndexOf(0x0a, at + PIECE - 1);
  return nl >= at ? nl + 1 : to;
}

/** The end of the pure-ASCII pieces of `buf[at, to)` that start at `at`: `to` when the whole range is ASCII, `at` when its first piece is not. */
function asciiLinesEnd(buf: Buffer, at: number, to: number): number {
  if (isAscii(buf.subarray(at, to))) return to;
  let p = at;
  for (;;) {
    const e = pieceEnd(buf, p, to);
    if (e === to || !isAscii(buf.subarray(p, e))) return p;
    p = e;
  }
}

/** The ConsoleLine for `raw`, which is `src[from, to)` and free of terminal control; `p` is scratch. */
function lineFrom(src: string, from: number, to: number, raw: string, no: number, atMs: number, truncated: boolean, p: PrefixScratch): ConsoleLine {
  parsePrefixAt(src, from, to, raw, p);
  const line: ConsoleLine = { no, raw, text: p.text, atMs };
  if (p.kernelTs >= 0) line.kernelTs = p.kernelTs;
  if (p.caller !== '') line.caller = p.caller;
  if (p.level >= 0) line.level = p.level;
  if (truncated) line.truncated = true;
  return line;
}

const scratch: PrefixScratch = { text: '', kernelTs: -1, caller: '', level: -1 };
/**
 * The ConsoleLine a splitter would have emitted for a line it gave to `LineSkipper.skip`
 * with these arguments.
 */
export function consoleLineAt(src: string, from: number, to: number, no: number, atMs: number): ConsoleLine {
  return lineFrom(src, from, to, src.slice(from, to), no, atMs, false, scratch);
}

/** Splits a whole saved console into lines (offline); the final unterminated line is emitted too. */
export function splitLines(text: string | Uint8Array): ConsoleLine[] {
  const lines: ConsoleLine[] = [];
  const s = createLineSplitter({ onLine: (l) => lines.push(l), now: () => 0 });
  s.push(text);
  s.end();
  return lines;
}
