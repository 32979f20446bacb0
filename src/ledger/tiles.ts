// C2SP tlog-tiles: tile paths and entry bundles. A tile at level L holds up to 256 hashes
// of perfect subtrees of 256^L leaves (node level 8L); a partial tile of width W lives at
// "<N>.p/<W>". Entry bundles hold each entry as a big-endian uint16 length and its bytes.
import { ledgerErrors } from './errors.ts';
import { CHUNK_WIDTH } from './tree-builder.ts';

/** Tree levels spanned by one tile level (tile height 8, width 256). */
export const TILE_HEIGHT = 8;
/** Largest entry an entry bundle can carry (uint16 length). */
export const MAX_ENTRY_BYTES = 0xffff;

/** Encodes a tile index as 3-digit groups, all but the last prefixed with 'x'. */
export function encodeTileIndex(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad tile index ${n}`);
  const groups: string[] = [];
  let rest = n;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** Path of a hash tile, "tile/<L>/<N>[.p/<W>]"; width 256 means a full tile. */
export function tilePath(level: number, index: number, width: number = CHUNK_WIDTH): string {
  return `tile/${level}/${encodeTileIndex(index)}${width < CHUNK_WIDTH ? `.p/${width}` : ''}`;
}

/** Path of an entry bundle, "tile/entries/<N>[.p/<W>]". */
export function entriesPath(index: number, width: number = CHUNK_WIDTH): string {
  return `tile/entries/${encodeTileIndex(index)}${width < CHUNK_WIDTH ? `.p/${width}` : ''}`;
}

/** The tiles a tree of `size` leaves has: per tile level, its full tile count and partial width. */
export function tileSet(size: number): Array<{ level: number; fullTiles: number; partialWidth: number }> {
  const out: Array<{ level: number; fullTiles: number; partialWidth: number }> = [];
  for (let level = 0; ; level++) {
    const hashes = Math.floor(size / CHUNK_WIDTH ** level);
    if (hashes === 0) break;
    out.push({ level, fullTiles: Math.floor(hashes / CHUNK_WIDTH), partialWidth: hashes % CHUNK_WIDTH });
  }
  return out;
}

/** Encodes entries as one entry bundle. */
export function encodeBundle(entries: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (const e of entries) {
    if (e.length > MAX_ENTRY_BYTES) throw ledgerErrors.make('LEDGER_ENTRY_TOO_LARGE', `entry of ${e.length} bytes does not fit a tile bundle`);
    total += 2 + e.length;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const e of entries) {
    out.writeUInt16BE(e.length, at);
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

/** Decodes an entry bundle; a truncated bundle throws LEDGER_BAD_TILE naming `what`. */
export function decodeBundle(bundle: Buffer, what: string): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < bundle.length) {
    if (at + 2 > bundle.length) throw ledgerErrors.make('LEDGER_BAD_TILE', `${what}: truncated length at byte ${at}`);
    const len = bundle.readUInt16BE(at);
    if (at + 2 + len > bundle.length) throw ledgerErrors.make('LEDGER_BAD_TILE', `${what}: entry ${out.length} runs past the end`);
    out.push(bundle.subarray(at + 2, at + 2 + len));
    at += 2 + len;
  }
  return out;
}
