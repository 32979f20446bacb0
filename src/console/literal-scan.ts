// "Where does the first of these literals occur in this line?" without a regular
// expression: the question is asked of every console line, and V8's irregexp runs a long
// alternation of literals slowly on console text (it cannot skip ahead when the
// alternatives start with common letters; figures in docs/signatures.md).
//
// Literals of at least four Latin-1 characters share one Wu-Manber scan (Wu and Manber,
// "A fast algorithm for multi-pattern searching", 1994) with blocks of two characters: a
// window as long as the shortest of them slides along the line; the pair of characters at
// its end, looked up in a 64 Ki-entry table, says how far the window may jump without
// passing over an occurrence. Where it may not jump, a second 64 Ki-entry table keyed on
// the window's first two and last two characters rules out most candidates before any
// startsWith(). The window visits the possible starts in order, so the first occurrence
// it confirms is the leftmost one. Shorter or wider literals are looked for with the
// native indexOf. For an ASCII block loaded in the splitter's byte scan, the same search
// runs over the bytes, in the literal table of that block's byte scan (byte-scan.ts).
//
// console/ owns the literal search: the line splitter hands its consumer's skipper the
// blocks to search, and signatures/ builds its finders here.

import type { ByteBlock, ByteScan, LiteralTable } from './byte-scan.ts';

/** A pair key: two characters folded to 16 bits (characters above U+00FF fold too; see below). */
const pairKey = (a: number, b: number) => ((a & 0xff) << 8) | (b & 0xff);

/** Builds an exact test for "some word occurs in s". */
export function createLiteralScan(words: readonly string[]): (s: string) => boolean {
  return createLiteralFinder(words).occursIn;
}

/** Where literals occur: `next` for successive searches through one text, `occursIn` for one-off tests. */
export type LiteralFinder = {
  /**
   * Where the first occurrence of some literal starts in `s` at or after `from`, or -1.
   * `bytes`: the ASCII block `s` was decoded from, loaded in the splitter's byte scan,
   * which then searches the bytes (same answer, faster).
   */
  next(s: string, from: number, bytes?: ByteBlock): number;
  /** True when some literal occurs in `s` (no state kept between calls); `bytes`: `s` is ASCII, search it in the byte scan. */
  occursIn(s: string, bytes?: ByteBlock): boolean;
};

/**
 * Builds an exact search for "where does the first occurrence of some word start in s,
 * at or after `from`" (-1 when none), linear in the searched text.
 *
 * Where each short literal next occurs is remembered for the string searched last, so
 * successive searches through one decoded block stay linear.
 *
 * `endWords` only count at the end of a line, before blanks (a prompt such as "/ #").
 * `occursIn` looks for them anywhere in the line; `next`, which searches a block of whole
 * lines (each ending in "\n"), looks for them followed by a blank, CR or LF, which makes
 * even a short one long enough for the shared scan.
 */
export function createLiteralFinder(words: readonly string[], endWords: readonly string[] = []): LiteralFinder {
  const uniq = [...new Set([...words, ...endWords.flatMap((w) => [`${w} `, `${w}\r`, `${w}\n`])])];
  // Folding is safe only for literals of Latin-1 characters: a pair in the line with a
  // wider character then never belongs to an occurrence, so its (folded) table entry may
  // say anything without hiding one.
  const wide = (w: string) => [...w].some((c) => c.charCodeAt(0) > 0xff);
  const long = uniq.filter((w) => w.length >= 4 && !wide(w));
  const short = uniq.filter((w) => w.length < 4 || wide(w));
  const scan = long.length === 0 ? () => -1 : wuManber(long);
  // A line test may answer true too often (an end word with its blank), never too rarely.
  // The same search over an ASCII block's bytes, in the table compiled into that block's
  // scan on first use there (undefined: not possible). The splitters a finder serves
  // normally share one scan (the one its consumer offers), so the last scan's table is kept.
  let tableScan: ByteScan | undefined;
  let table: LiteralTable | undefined;
  const tableOf = (bytes: ByteBlock) => {
    if (bytes.scan !== tableScan) {
      tableScan = bytes.scan;
      table = tableScan.table(uniq);
    }
    return table;
  };
  const onBytes = (bytes: ByteBlock, from: number) => {
    const t = tableOf(bytes);
    return t === undefined ? undefined : bytes.find(t, from);
  };
  const occursIn = (s: string, bytes?: ByteBlock) => {
    if (bytes !== undefined) {
      const t = tableOf(bytes);
      const at = t === undefined ? undefined : bytes.findText(t, s);
      if (at !== undefined) return at !== -1 || endWords.some((w) => s.includes(w));
    }
    return scan(s, 0) !== -1 || short.some((w) => s.includes(w)) || endWords.some((w) => s.includes(w));
  };
  if (short.length === 0) return { next: (s, from, bytes) => (bytes === undefined ? undefined : onBytes(bytes, from)) ?? scan(s, from), occursIn };
  let last = ''; // the string the positions below belong to
  const at = new Array<number>(short.length).fill(-1); // next occurrence of short[i] in `last`
  const searched = new Array<number>(short.length).fill(Infinity); // ... at or after this offset
  const next = (s: string, from: number, bytes?: ByteBlock) => {
    const b = bytes === undefined ? undefined : onBytes(bytes, from);
    if (b !== undefined) return b;
    if (s !== last) {
      last = s;
      searched.fill(Infinity);
    }
    let best = -1;
    for (let i = 0; i < short.length; i++) {
      // A remembered answer holds for any later start up to the occurrence it found.
      if (!(searched[i]! <= from && (at[i] === -1 || at[i]! >= from))) {
        at[i] = s.indexOf(short[i]!, from);
        searched[i] = from;
      }
      const p = at[i]!;
      if (p !== -1 && (best === -1 || p < best)) best = p;
    }
    const w = scan(s, from);
    return w === -1 ? best : best === -1 ? w : Math.min(w, best);
  };
  return { next, occursIn };
}

/** Four characters folded to a 16-bit key for the candidate filter. */
const quadKey = (a: number, b: number, c: number, d: number) => (((a & 0xff) * 0x9e37) ^ ((b & 0xff) * 0x85eb) ^ ((c & 0xff) * 0xc2b3) ^ ((d & 0xff) * 0x27d5)) & 0xffff;

/** The Wu-Manber search over literals of at least two Latin-1 characters. */
function wuManber(words: readonly string[]): (s: string, from: number) => number {
  const m = Math.min(...words.map((w) => w.length));
  // shift[pair]: how far the window's end may move when the window ends in this pair.
  const shift = new Uint8Array(65536).fill(Math.min(m - 1, 255));
  const ending = new Map<number, string[]>(); // pair → literals whose first m characters end in it
  // quad[key]: 1 when some literal's first m characters start and end with these pairs.
  const quad = new Uint8Array(65536);
  for (const w of words) {
    for (let q = 1; q < m; q++) {
      const k = pairKey(w.charCodeAt(q - 1), w.charCodeAt(q));
      shift[k] = Math.min(shift[k]!, m - 1 - q);
    }
    const k = pairKey(w.charCodeAt(m - 2), w.charCodeAt(m - 1));
    const list = ending.get(k);
    if (list === undefined) ending.set(k, [w]);
    else list.push(w);
    quad[quadKey(w.charCodeAt(0), w.charCodeAt(1), w.charCodeAt(m - 2), w.charCodeAt(m - 1))] = 1;
  }
  return (s, from) => {
    const n = s.length;
    let end = from + m - 1;
    while (end < n) {
      const b = s.charCodeAt(end);
      const a = s.charCodeAt(end - 1);
      const k = ((a & 0xff) << 8) | (b & 0xff);
      const jump = shift[k]!;
      if (jump !== 0) {
        end += jump;
        continue;
      }
      const start = end - m + 1;
      if (quad[quadKey(s.charCodeAt(start), s.charCodeAt(start + 1), a, b)] === 1) {
        const list = ending.get(k);
        if (list !== undefined) for (let i = 0; i < list.length; i++) if (s.startsWith(list[i]!, start)) return start;
      }
      end++;
    }
    return -1;
  };
}
