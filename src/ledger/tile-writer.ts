// Writes the static C2SP tlog-tiles view of the log (tiles, entry bundles, checkpoint)
// so any tlog client can read it from files. Each file is written to a temporary name and
// renamed, so a crash never leaves half a tile; the checkpoint is written last, and its
// size tells the next open which tiles may still be missing.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { checkPath, isBootmedicError, writeFileAtomic } from '../core/index.ts';
import { ledgerErrors } from './errors.ts';
import { dirname, join } from 'node:path';
import { HASH_SIZE } from './hash.ts';
import { encodeBundle, entriesPath, TILE_HEIGHT, tilePath } from './tiles.ts';
import { CHUNK_WIDTH, nodesAt } from './tree-builder.ts';

/** Where tiles come from: stored node chunks and entry bytes. */
export type TileSource = Readonly<{
  /** The node chunk (level, chunk), at least `width` hashes long. */
  chunk(level: number, chunk: number): Buffer;
  /** Entry bytes for start <= index < end. */
  entries(start: number, end: number): Buffer[];
}>;

function writeTile(dir: string, width: number, rel: string, data: Uint8Array): void {
  const path = join(dir, rel);
  // Tiles mirror the database (synced on commit) and are rebuilt from it on open: no flush.
  writeFileAtomic(path, data, { sync: false });
  // Only the newest partial of a tile is kept; a full tile replaces them all.
  const partialDir = width === CHUNK_WIDTH ? `${path}.p` : dirname(path);
  if (width === CHUNK_WIDTH) rmSync(partialDir, { recursive: true, force: true });
  else for (const name of readdirSync(partialDir)) if (name !== String(width)) rmSync(join(partialDir, name), { force: true });
}

/** Writes every tile and entry bundle that changed when the tree grew from `fromSize` to `toSize`. */
export function writeTiles(dir: string, src: TileSource, fromSize: number, toSize: number): void {
  for (let tileLevel = 0; ; tileLevel++) {
    const level = tileLevel * TILE_HEIGHT;
    const before = nodesAt(fromSize, level);
    const after = nodesAt(toSize, level);
    if (after === 0) break;
    if (after === before) continue;
    for (let t = Math.floor(before / CHUNK_WIDTH); t * CHUNK_WIDTH < after; t++) {
      const width = Math.min(CHUNK_WIDTH, after - t * CHUNK_WIDTH);
      writeTile(dir, width, tilePath(tileLevel, t, width), src.chunk(level, t).subarray(0, width * HASH_SIZE));
      if (tileLevel === 0) writeTile(dir, width, entriesPath(t, width), encodeBundle(src.entries(t * CHUNK_WIDTH, t * CHUNK_WIDTH + width)));
    }
  }
}

/** Writes a self-contained export: every tile and bundle of `size` entries, `checkpoint` and `vkey`. */
export function exportTo(dir: string, src: TileSource, size: number, checkpoint: string, vkey: string): void {
  if (existsSync(dir) && checkPath(dir, { what: 'export target', kind: 'directory' }) && readdirSync(dir).length > 0) throw ledgerErrors.make('LEDGER_EXPORT_EXISTS', `export target ${dir} is not empty`);
  try {
    mkdirSync(dir, { recursive: true });
    writeTiles(dir, src, 0, size);
    writeFileAtomic(join(dir, 'checkpoint'), checkpoint);
    writeFileAtomic(join(dir, 'vkey'), `${vkey}\n`);
  } catch (cause) {
    if (isBootmedicError(cause)) throw cause;
    throw ledgerErrors.make('LEDGER_BAD_EXPORT', `export ${dir}: ${(cause as Error).message}`, { cause, fix: 'Export into a writable folder with free space.' });
  }
}
