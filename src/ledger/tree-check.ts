// One pass over a log's entries that re-derives every hash and compares it with what was
// stored: node chunks in the database, tile files, entry bundles, checkpoint roots.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isBootmedicError } from '../core/index.ts';
import type { LedgerErrorCode } from './errors.ts';
import { HASH_SIZE, leafHash } from './hash.ts';
import { decodeBundle, encodeBundle, entriesPath, TILE_HEIGHT, tilePath } from './tiles.ts';
import { CHUNK_WIDTH, TreeBuilder } from './tree-builder.ts';

/** One thing verify found wrong; `index` is the first entry it puts in doubt. */
export type VerifyProblem = Readonly<{ code: LedgerErrorCode; message: string; index: number | null }>;

/** Collects problems, keeping the lowest index, with a cap so a wiped folder stays readable. */
export class ProblemList {
  readonly items: VerifyProblem[] = [];
  firstBadIndex: number | null = null;
  add(code: LedgerErrorCode, message: string, index: number | null): void {
    if (index !== null && (this.firstBadIndex === null || index < this.firstBadIndex)) this.firstBadIndex = index;
    if (this.items.length < 50) this.items.push({ code, message, index });
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
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Re-derives the tree from the entries, reporting every disagreement into `c.problems`. */
export function checkTree(c: TreeCheck): Buffer {
  const tree = new TreeBuilder();
  const compare = (level: number, chunk: number, derived: Buffer) => {
    const base = chunk * CHUNK_WIDTH;
    const leafIndex = (pos: number) => (base + pos) * 2 ** level;
    if (c.stored !== undefined) {
      const s = c.stored(level, chunk);
      if (s === undefined) c.problems.add('LEDGER_DB_INCONSISTENT', `stored hashes ${level}/${chunk} are missing`, leafIndex(0));
      else if (!s.equals(derived)) c.problems.add('LEDGER_DB_INCONSISTENT', `stored hashes ${level}/${chunk} disagree with the entries`, leafIndex(firstDiff(s, derived)));
    }
    if (c.tiles !== undefined && level % TILE_HEIGHT === 0) {
      const width = derived.length / HASH_SIZE;
      const rel = tilePath(level / TILE_HEIGHT, chunk, width);
      const f = readOrUndefined(join(c.tiles, rel));
      if (f === undefined) c.problems.add('LEDGER_BAD_TILE', `tile ${rel} is missing`, leafIndex(0));
      else if (!f.equals(derived)) c.problems.add('LEDGER_BAD_TILE', `tile ${rel} disagrees with the entries`, leafIndex(firstDiff(f, derived)));
    }
  };
  let cp = 0;
  const checkRoot = () => {
    while (cp < c.checkpoints.length && c.checkpoints[cp]!.size === tree.size) {
      const k = c.checkpoints[cp]!;
      if (!tree.root().equals(k.root)) c.problems.add('LEDGER_INCONSISTENT', `${k.what} (size ${k.size}) has a root the entries do not give`, k.vouchFrom);
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
      c.problems.add(e.code as LedgerErrorCode, e.message, start);
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
