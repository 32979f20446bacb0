// The Merkle tree kept as chunks of 256 node hashes per level (a level-0 chunk holds leaf
// hashes). Chunks at levels 0, 8, 16, ... are exactly the C2SP tlog-tiles tiles of those
// tile levels; keeping every level makes any proof a handful of lookups instead of
// re-hashing up to 255 nodes per tile.
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from './hash.ts';

/** Hashes per chunk (the C2SP tlog-tiles tile width). */
export const CHUNK_WIDTH = 256;
/** Bytes in a full chunk. */
export const CHUNK_BYTES = CHUNK_WIDTH * HASH_SIZE;

/** Receives a chunk the moment it holds 256 hashes; the buffer is never written again. */
export type FullChunkSink = (level: number, chunk: number, hashes: Buffer) => void;

/** Reads the node hash at (level, index) of a tree, or throws when absent. */
export type NodeReader = (level: number, index: number) => Buffer;

type Level = { chunk: number; count: number; buf: Buffer };

/** Number of complete nodes at `level` in a tree of `size` leaves. */
export function nodesAt(size: number, level: number): number {
  return Math.floor(size / 2 ** level);
}

/**
 * Grows a Merkle tree leaf by leaf, keeping the last (partial) chunk of every level in
 * memory and handing each chunk that fills to a sink.
 */
export class TreeBuilder {
  #size = 0;
  readonly #levels: Level[] = [];

  /**
   * Restores the right edge of a tree of `size` leaves: `loadChunk(level, chunk)` returns
   * the stored partial chunk (count * 32 bytes) of each level; a wrong length throws.
   */
  static restore(size: number, loadChunk: (level: number, chunk: number, count: number) => Buffer): TreeBuilder {
    const t = new TreeBuilder();
    t.#size = size;
    for (let level = 0; nodesAt(size, level) > 0; level++) {
      const nodes = nodesAt(size, level);
      const chunk = Math.floor(nodes / CHUNK_WIDTH);
      const count = nodes % CHUNK_WIDTH;
      const buf = Buffer.alloc(CHUNK_BYTES);
      if (count > 0) {
        const stored = loadChunk(level, chunk, count);
        if (stored.length !== count * HASH_SIZE) throw new RangeError(`chunk ${level}/${chunk} has ${stored.length} bytes, expected ${count * HASH_SIZE}`);
        stored.copy(buf);
      }
      t.#levels.push({ chunk, count, buf });
    }
    return t;
  }

  /** Number of leaves. */
  get size(): number {
    return this.#size;
  }

  /** Adds one leaf hash; `onFull` receives each chunk that fills on the way up. */
  add(leaf: Uint8Array, onFull?: FullChunkSink): void {
    let h: Uint8Array = leaf;
    for (let level = 0; ; level++) {
      let l = this.#levels[level];
      if (l === undefined) {
        l = { chunk: 0, count: 0, buf: Buffer.alloc(CHUNK_BYTES) };
        this.#levels.push(l);
      }
      const odd = l.count % 2 === 1;
      l.buf.set(h, l.count * HASH_SIZE);
      l.count++;
      const buf = l.buf;
      const count = l.count;
      if (count === CHUNK_WIDTH) {
        onFull?.(level, l.chunk, buf);
        l.chunk++;
        l.count = 0;
        l.buf = Buffer.alloc(CHUNK_BYTES);
      }
      // A node with an odd index completes its parent (RFC 9162: MTH of a perfect subtree).
      if (!odd) break;
      h = nodeHash(buf.subarray((count - 2) * HASH_SIZE, (count - 1) * HASH_SIZE), buf.subarray((count - 1) * HASH_SIZE, count * HASH_SIZE));
    }
    this.#size++;
  }

  /** The node at (level, index) when it lies in a level's current chunk, else undefined. */
  current(level: number, index: number): Buffer | undefined {
    const l = this.#levels[level];
    if (l === undefined) return undefined;
    const pos = index - l.chunk * CHUNK_WIDTH;
    if (pos < 0 || pos >= l.count) return undefined;
    return l.buf.subarray(pos * HASH_SIZE, (pos + 1) * HASH_SIZE);
  }

  /** The current chunk index of a level (chunks below it are full). */
  currentChunk(level: number): number {
    return this.#levels[level]?.chunk ?? 0;
  }

  /** The hashes of a level's current (partial) chunk, without copying. */
  partial(level: number): Buffer {
    const l = this.#levels[level];
    return l === undefined ? Buffer.alloc(0) : l.buf.subarray(0, l.count * HASH_SIZE);
  }

  /** Copies of every level's partial chunk: what a store must hold besides full chunks. */
  partials(): Array<{ level: number; chunk: number; hashes: Buffer }> {
    return this.#levels.map((l, level) => ({ level, chunk: l.chunk, hashes: Buffer.from(l.buf.subarray(0, l.count * HASH_SIZE)) }));
  }

  /** The RFC 9162 root (MTH) of the tree at its current size. */
  root(): Buffer {
    const n = this.#size;
    if (n === 0) return Buffer.from(EMPTY_ROOT);
    // The perfect subtrees of n's binary decomposition are each level's last node.
    let acc: Buffer | undefined;
    for (let level = 0; level < this.#levels.length; level++) {
      if (nodesAt(n, level) % 2 === 0) continue;
      const l = this.#levels[level]!;
      const h = l.buf.subarray((l.count - 1) * HASH_SIZE, l.count * HASH_SIZE);
      acc = acc === undefined ? Buffer.from(h) : nodeHash(h, acc);
    }
    return acc!;
  }
}
