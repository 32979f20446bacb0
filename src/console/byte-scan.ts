import { readFileSync } from 'node:fs';

// The splitter's clean-line test for ASCII blocks, run as WebAssembly SIMD over the bytes
// (byte-scan.wat says what it computes). Where WebAssembly or its SIMD instructions are
// not available (node --jitless, an old CPU), createByteBlock() returns undefined and
// the splitter keeps using its regular expression, which answers the same question.

type Exports = { memory: WebAssembly.Memory; dirty(from: number, to: number): number };

/** The most bytes one block may hold (the module's memory is two 64 KiB pages). */
export const BYTE_BLOCK_MAX = 64 * 1024;

let scan: Exports | undefined | null; // null: tried, not available
let mem = new Uint8Array(0);
// Which block the shared memory holds now: several splitters (one per VM) share the one
// instance, and a line callback may feed another splitter before this one asks again.
let holder: object | undefined;

function instance(): Exports | undefined {
  if (scan === undefined) {
    try {
      const bytes = readFileSync(new URL('./byte-scan.wasm', import.meta.url));
      scan = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as unknown as Exports;
      mem = new Uint8Array(scan.memory.buffer);
    } catch {
      scan = null;
    }
  }
  return scan ?? undefined;
}

/** One splitter's view of the scan: load a block of ASCII bytes, then ask where its next dirty byte is. */
export type ByteBlock = {
  /** Copies `buf[at, to)` (at most BYTE_BLOCK_MAX bytes, all below 0x80) in as the current block. */
  load(buf: Uint8Array, at: number, to: number): void;
  /**
   * The first offset in the block at or after `from` holding a C0 control other than TAB,
   * LF and CR, a DEL, or a CR not followed by LF (one as the block's last byte counts);
   * the block's length when there is none. Offsets are the block's: for ASCII bytes they
   * are also the offsets in its Latin-1 string.
   */
  dirty(from: number): number;
};

/** A view of the shared byte scan, or undefined where WebAssembly SIMD is not available. */
export function createByteBlock(): ByteBlock | undefined {
  const x = instance();
  if (x === undefined) return undefined;
  let src: Uint8Array = mem;
  let at = 0;
  let length = 0;
  const self: ByteBlock = {
    load(buf, from, to) {
      src = buf;
      at = from;
      length = to - from;
      mem.set(buf.subarray(from, to), 0);
      holder = self;
    },
    dirty(from) {
      if (holder !== self) self.load(src, at, at + length); // another splitter used the memory since
      return x.dirty(from, length);
    },
  };
  return self;
}
