// One pass over a log's entries that re-derives every hash and compares it with what was
// stored: node chunks in the database, tile files, entry bundles, checkpoint roots.
import { join } from 'node:path';
import { isBootmedicError, LIMIT, readGuarded } from '../core/index.ts';
import type { LedgerErrorCode } from './errors.ts';
import { HASH_SIZE, leafHash } from './hash.ts';
import { decodeBundle, encodeBundle, entriesPath, TILE_HEIGHT, tilePath } from './tiles.ts';
import { CHUNK_WIDTH, TreeBuilder } from './tree-builder.ts';

/** One thing verify found wrong; `index` is the first entry it puts in doubt. */
export type VerifyProblem = Readonly<{ code: LedgerErrorCode; message: string; index: number | null }>;

/**
 * Collects problems and works out the first bad index. A problem either names an entry
 * (a leaf that does not match) or a range (an upper hash or a root over many leaves); a
 * range only counts when no named entry inside it already explains it.
 */
export class ProblemList {
  readonly items: VerifyProblem[] = [];
  readonly #points: number[] = [];
  readonly #ranges: Array<[number, number]> = [];
  /** Records a problem; `end` makes `index` the start of a range [index, end). */
  add(code: LedgerErrorCode, message: string, index: number | null, end?: number): void {
    if (index !== null) {
      if (end === undefined || end <= index + 1) this.#points.push(index);
      else this.#ranges.push([index, end]);
    }
    // The cap keeps a wiped folder's report readable; the index bookkeeping is complete.
    if (this.items.length < 50) this.items.push({ code, message, index });
  }
  get firstBadIndex(): number | null {
    const candidates = [...this.#points, ...this.#ranges.filter(([lo, hi]) => !this.#points.some((p) => p >= lo && p < hi)).map(([lo]) => lo)];
    return candidates.length === 0 ? null : Math.min(...candidates);
  }
}

/** What one pass compares against. */
export type TreeCheck = Readonly<{
  size: number;
  /** Entries [start, end) in order; may throw a BootmedicError (reported, pass stops). */
  page(start: number, end: number): Buffer[];
  /** Checkpoints to check, sorted by size, each with the first index it alone vouches for. */
  checkpoints: ReadonlyArray<{ size: number; root: Buffer; vouchFrom: number; what: string }>;
  /** Stored node chunks to compare (the database), if any. */
  stored?: (level: number, chunk: number) => Buffer | undefined;
  /** A tiles folder to compare (tile/<L>/..., tile/entries/...), if any. */
  tiles?: string;
  /** Compare entry bundles too (not when the bundles are the entry source). */
  bundles: boolean;
  problems: ProblemList;
}>;

function firstDiff(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += HASH_SIZE) if (a.compare(b, i, Math.min(i + HASH_SIZE, b.length), i, Math.min(i + HASH_SIZE, a.length)) !== 0) return i / HASH_SIZE;
  return n / HASH_SIZE;
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    // Guarded: a tile that is a FIFO or a folder counts as missing instead of blocking.
    return readGuarded(path, { what: 'tile', maxBytes: LIMIT.LEDGER_EXPORT_FILE_MAX_BYTES });
  } catch {
    return undefined;
  }
}

/** Re-derives the tree from the entries, reporting every disagreement into `c.problems`. */
export function checkTree(c: TreeCheck): Buffer {
  const tree = new TreeBuilder();
  const compare = (level: number, chunk: number, derived: Buffer) => {
    const base = chunk * CHUNK_WIDTH;
    const span = 2 ** level;
    // A differing hash at `pos` puts in doubt the leaves below it: [start, start + span).
    const report = (code: LedgerErrorCode, message: string, pos: number, count = 1) => c.problems.add(code, message, (base + pos) * span, (base + pos + count) * span);
    const width = derived.length / HASH_SIZE;
    if (c.stored !== undefined) {
      const s = c.stored(level, chunk);
      if (s === undefined) report('LEDGER_DB_INCONSISTENT', `stored hashes ${level}/${chunk} are missing`, 0, width);
      else if (!s.equals(derived)) report('LEDGER_DB_INCONSISTENT', `stored hashes ${level}/${chunk} disagree with the entries`, firstDiff(s, derived));
    }
    if (c.tiles !== undefined && level % TILE_HEIGHT === 0) {
      const rel = tilePath(level / TILE_HEIGHT, chunk, width);
      const f = readOrUndefined(join(c.tiles, rel));
      if (f === undefined) report('LEDGER_BAD_TILE', `tile ${rel} is missing`, 0, width);
      else if (!f.equals(derived)) report('LEDGER_BAD_TILE', `tile ${rel} disagrees with the entries`, firstDiff(f, derived));
    }
  };
  let cp = 0;
  const checkRoot = () => {
    while (cp < c.checkpoints.length && c.checkpoints[cp]!.size === tree.size) {
      const k = c.checkpoints[cp]!;
      if (!tree.root().equals(k.root)) c.problems.add('LEDGER_INCONSISTENT', `${k.what} (size ${k.size}) has a root the entries do not give`, k.vouchFrom, k.size);
      cp++;
    }
  };
  checkRoot();
  for (let start = 0; start < c.size; start += CHUNK_WIDTH) {
    const end = Math.min(c.size, start + CHUNK_WIDTH);
    let page: Buffer[];
    try {
      page = c.page(start, end);
    } catch (e) {
      if (!isBootmedicError(e)) throw e;
      // A page that names the entry it lacks (a deleted row) puts that entry first in doubt.
      const at = e.details?.['index'];
      c.problems.add(e.code as LedgerErrorCode, e.message, typeof at === 'number' && at >= start && at < end ? at : start);
      return tree.root();
    }
    if (c.bundles && c.tiles !== undefined) {
      const rel = entriesPath(start / CHUNK_WIDTH, end - start);
      const f = readOrUndefined(join(c.tiles, rel));
      if (f === undefined) c.problems.add('LEDGER_BAD_TILE', `entry bundle ${rel} is missing`, start);
      else if (!f.equals(encodeBundle(page))) {
        let bad = start;
        try {
          const got = decodeBundle(f, rel);
          const i = page.findIndex((e, j) => got[j] === undefined || !e.equals(got[j]!));
          bad = start + (i < 0 ? page.length : i);
        } catch {
          // unreadable bundle: the whole page is in doubt
        }
        c.problems.add('LEDGER_BAD_TILE', `entry bundle ${rel} disagrees with the entries`, bad);
      }
    }
    for (const e of page) {
      tree.add(leafHash(e), compare);
      checkRoot();
    }
  }
  for (const p of tree.partials()) if (p.hashes.length > 0) compare(p.level, p.chunk, p.hashes);
  for (; cp < c.checkpoints.length; cp++) {
    const k = c.checkpoints[cp]!;
    c.problems.add('LEDGER_DB_INCONSISTENT', `${k.what} covers ${k.size} entries, only ${c.size} are present`, Math.min(k.vouchFrom, c.size));
  }
  return tree.root();
}
