import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';

// Three questions the splitter and its skipper ask of every block, answered in
// WebAssembly over the bytes (byte-scan.wat says what each computes): where the next
// byte above 0x7f is, where the next byte that needs cleaning is (both SIMD, 16 bytes a
// step), and where the next occurrence of one of a set of literals starts (a 4-byte hash
// at every position, confirmed in place). Where WebAssembly or its SIMD instructions are
// not available (an old CPU, a runtime without it), createByteScan() returns undefined
// and the callers keep their JavaScript searches, which give the same answers.
//
// All mutable state (the instance's memory, the literal tables written into it, which
// block the memory holds) belongs to one ByteScan object: a line splitter makes its own
// or is handed one to share (several VMs of one supervisor, many logs of one analysis).

// The part of the WebAssembly API used here (TypeScript declares it only with the DOM library).
type Memory = { readonly buffer: ArrayBuffer; grow(pages: number): number };
type Wasm = { Module: new (bytes: Uint8Array) => object; Instance: new (module: object) => { exports: object } };
const wasm = (globalThis as unknown as { WebAssembly?: Wasm }).WebAssembly;

type Exports = { memory: Memory; dirty(from: number, to: number): number; high(from: number, to: number): number; find(from: number, to: number, table: number): number };

/** The most bytes one block may hold (the module's memory is two 64 KiB pages). */
export const BYTE_BLOCK_MAX = 64 * 1024;

// The compiled module is code, not state: compiled once when this file is loaded, and
// undefined where WebAssembly or its SIMD instructions are missing.
const compiled: object | undefined = (() => {
  try {
    return wasm === undefined ? undefined : new wasm.Module(readFileSync(new URL('./byte-scan.wasm', import.meta.url)));
  } catch {
    return undefined;
  }
})();

// Literal tables (find's layout, byte-scan.wat) sit above the block, each in pages grown for it.
const BITS_AT = 16;
const HEADS_AT = BITS_AT + 8192;
const POOL_AT = HEADS_AT + 2 * 65536;
const PAGE = 65536;
// A single line to search (ByteBlock.findText) is written here, above the block.
const LINE_AT = BYTE_BLOCK_MAX + 64;
const LINE_MAX = 2 * PAGE - LINE_AT;
// Tables are kept for the life of their scan (one per distinct literal set); past this
// much memory, more sets use the JavaScript search instead.
const TABLES_MAX = 4 * 1024 * 1024;

/** find's 16-bit hash of four bytes (the first in the high byte), as the module computes it. */
const hash4 = (w: string) => Math.imul(((w.charCodeAt(0) << 24) | (w.charCodeAt(1) << 16) | (w.charCodeAt(2) << 8) | w.charCodeAt(3)) >>> 0, 0x9e3779b1) >>> 16;

/** A set of literals written into one scan's memory for its blocks' find. */
export type LiteralTable = { readonly at: number };

/** One splitter's view of the scan: load a block of bytes, then ask about its ASCII parts. */
export type ByteBlock = {
  /** Copies `buf[at, to)` (at most BYTE_BLOCK_MAX bytes) in as the current block; the window is all of it. */
  load(buf: Uint8Array, at: number, to: number): void;
  /** Where the first byte above 0x7f is in the loaded block at or after `from` (offsets of `buf`); the block's end when none. */
  high(from: number): number;
  /** Narrows the window that dirty and find look at to `buf[from, to)`, inside the loaded block: ASCII bytes only. */
  window(from: number, to: number): void;
  /**
   * The first offset in the window at or after `from` holding a C0 control other than
   * TAB, LF and CR, a DEL, or a CR not followed by LF (one as the window's last byte
   * counts); the window's length when there is none. Offsets are the window's: for ASCII
   * bytes they are also the offsets in its Latin-1 string.
   */
  dirty(from: number): number;
  /** The scan this block belongs to: its tables are the ones `find` takes. */
  readonly scan: ByteScan;
  /** Where the first occurrence of a literal of `table` (from this block's scan) starts in the window at or after `from` (all of it inside the window), or -1. */
  find(table: LiteralTable, from: number): number;
  /** The same search in one line of ASCII text, outside the block; undefined when the line is too long for the scan's memory. */
  findText(table: LiteralTable, line: string): number | undefined;
};

/** One WebAssembly instance of the scan with its memory and literal tables; its blocks share the memory. */
export type ByteScan = {
  /** A new block view; blocks of one scan take turns in its memory (each copies its bytes in again when another used it). */
  block(): ByteBlock;
  /**
   * Writes the tables for finding any of `words` in ASCII blocks, or returns undefined when
   * the scan cannot take them (a literal shorter than 4 or longer than 255 characters, or
   * the memory set aside for tables is used up). Literals with a character outside ASCII
   * never occur in an ASCII block and are left out. The same set gives the same table.
   */
  table(words: readonly string[]): LiteralTable | undefined;
};

/** A new instance of the byte scan, or undefined where WebAssembly SIMD is not available. */
export function createByteScan(): ByteScan | undefined {
  if (compiled === undefined || wasm === undefined) return undefined;
  const x = new wasm.Instance(compiled).exports as Exports;
  let mem = Buffer.from(x.memory.buffer);
  // Which block the memory holds now: a line callback may feed another splitter sharing
  // this scan before the first one asks again.
  let holder: ByteBlock | undefined;
  const tables = new Map<string, LiteralTable | null>();
  let tablesEnd = 2 * PAGE;

  function buildTable(words: readonly string[]): LiteralTable | undefined {
    if (words.length === 0) return { at: -1 }; // nothing can occur: find answers -1 without scanning
    if (words.some((w) => w.length < 4 || w.length > 255)) return undefined;
    const bits = new Uint8Array(8192);
    const lists = new Map<number, string[]>(); // hash of the first four characters → literals
    for (const w of words) {
      const h = hash4(w);
      bits[h >>> 3]! |= 1 << (h & 7);
      lists.set(h, [...(lists.get(h) ?? []), w]);
    }
    const pool: number[] = [];
    const heads = new Uint16Array(65536);
    for (const [h, list] of lists) {
      heads[h] = pool.length + 1;
      for (const w of list) pool.push(w.length, ...[...w].map((c) => c.charCodeAt(0)));
      pool.push(0);
    }
    if (pool.length > 65534) return undefined;
    const size = POOL_AT + pool.length;
    if (tablesEnd + size - 2 * PAGE > TABLES_MAX) return undefined;
    const at = tablesEnd;
    const pages = Math.ceil((at + size) / PAGE) - x.memory.buffer.byteLength / PAGE;
    if (pages > 0) {
      x.memory.grow(pages);
      mem = Buffer.from(x.memory.buffer);
    }
    tablesEnd = Math.ceil((at + size) / 16) * 16;
    mem.set(bits, at + BITS_AT);
    mem.set(new Uint8Array(heads.buffer), at + HEADS_AT); // little-endian, as WebAssembly reads it (so is every host Node runs on)
    mem.set(pool, at + POOL_AT);
    return { at };
  }

  function table(words: readonly string[]): LiteralTable | undefined {
    if (words.length === 0) return undefined;
    const ascii = [...new Set(words)].filter((w) => !/[^\x00-\x7f]/.test(w)).sort();
    const key = ascii.join('\0');
    const known = tables.get(key);
    if (known !== undefined) return known ?? undefined;
    const t = buildTable(ascii);
    tables.set(key, t ?? null);
    return t;
  }

  function block(): ByteBlock {
    let src: Uint8Array | undefined;
    let at = 0; // the loaded block is src[at, to), at memory offset 0
    let to = 0;
    let base = 0; // the window, as memory offsets
    let end = 0;
    const own = () => {
      // Another block used the memory since this one was loaded: copy it in again.
      if (holder !== self) {
        mem.set(src!.subarray(at, to), 0);
        holder = self;
      }
    };
    const self: ByteBlock = {
      load(buf, from, until) {
        src = buf;
        at = from;
        to = until;
        base = 0;
        end = until - from;
        mem.set(buf.subarray(from, until), 0);
        holder = self;
      },
      high(from) {
        own();
        return at + x.high(from - at, to - at);
      },
      window(from, until) {
        base = from - at;
        end = until - at;
      },
      dirty(from) {
        own();
        return x.dirty(base + from, end) - base;
      },
      scan: self_,
      find(t, from) {
        if (t.at < 0) return -1;
        own();
        const i = x.find(base + from, end, t.at);
        return i === -1 ? -1 : i - base;
      },
      findText(t, line) {
        if (line.length > LINE_MAX) return undefined;
        if (t.at < 0) return -1;
        mem.write(line, LINE_AT, 'latin1');
        const i = x.find(LINE_AT, LINE_AT + line.length, t.at);
        return i === -1 ? -1 : i - LINE_AT;
      },
    };
    return self;
  }

  const self_: ByteScan = { block, table };
  return self_;
}
