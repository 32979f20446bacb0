// C2SP tlog-checkpoint: the body of a signed note with the origin, the tree size (ASCII
// decimal) and the RFC 9162 root (standard base64), one per line, then optional
// non-empty extension lines.
import { ledgerErrors } from './errors.ts';
import { EMPTY_ROOT, HASH_SIZE } from './hash.ts';
import { decodeBase64Strict } from './keys.ts';

/** A checkpoint body as the log signs it. */
export type Checkpoint = Readonly<{ origin: string; size: number; root: Buffer; extensions: string }>;

/** The loose reading of transparency-dev/formats: any root length, size as a uint64. */
export type CheckpointBody = Readonly<{ origin: string; size: bigint; root: Buffer; rest: string }>;

function bad(why: string) {
  return ledgerErrors.make('LEDGER_BAD_CHECKPOINT', `checkpoint: ${why}`);
}

/** Parses a checkpoint body as transparency-dev/formats does; malformed text throws LEDGER_BAD_CHECKPOINT. */
export function parseCheckpointBody(body: string): CheckpointBody {
  const lines = body.split('\n');
  if (lines.length < 4) throw bad('fewer than three newline-terminated lines (origin, size, root)');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (origin.length === 0) throw bad('origin line is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw bad(`size ${JSON.stringify(sizeText.slice(0, 30))} is not a decimal number`);
  const size = BigInt(sizeText);
  if (size > 0xffff_ffff_ffff_ffffn) throw bad(`size ${sizeText} does not fit 64 bits`);
  const root = decodeBase64Strict(rootText);
  if (root === undefined) throw bad('root hash is not base64');
  return Object.freeze({ origin, size, root, rest: lines.slice(3).join('\n') });
}

/**
 * Parses a checkpoint body strictly per C2SP for a SHA-256 log: 32-byte root, non-empty
 * extension lines, the empty-tree root at size 0, and a size JavaScript can count.
 */
export function parseCheckpoint(body: string): Checkpoint {
  const b = parseCheckpointBody(body);
  if (b.root.length !== HASH_SIZE) throw bad(`root hash has ${b.root.length} bytes, not ${HASH_SIZE}`);
  if (b.size > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`size ${b.size} is too large for this log`);
  const size = Number(b.size);
  if (size === 0 && !b.root.equals(EMPTY_ROOT)) throw bad('size 0 must carry the empty-tree root');
  if (b.rest !== '' && b.rest.split('\n').slice(0, -1).some((l) => l === '')) throw bad('an extension line is empty');
  return Object.freeze({ origin: b.origin, size, root: b.root, extensions: b.rest });
}

/** Formats a checkpoint body (the text a log signs). */
export function formatCheckpoint(origin: string, size: number, root: Uint8Array): string {
  if (origin.length === 0 || /[\n\r]/.test(origin)) throw bad('origin must be one non-empty line');
  return `${origin}\n${size}\n${Buffer.from(root).toString('base64')}\n`;
}
