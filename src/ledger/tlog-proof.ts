// c2sp.org/tlog-proof@v1 (an untagged C2SP draft): an inclusion proof bundled with the
// signed checkpoint it verifies against, so one file proves an entry is in the log.
import { parseCheckpoint } from './checkpoint.ts';
import { ledgerErrors } from './errors.ts';
import { leafHash } from './hash.ts';
import { decodeBase64Strict, type Verifier } from './keys.ts';
import { openNote } from './note.ts';
import { verifyInclusion } from './proof-verify.ts';

const HEADER = 'c2sp.org/tlog-proof@v1';

/** Formats an inclusion proof and its signed checkpoint as a tlog-proof text. */
export function formatTlogProof(index: number, proof: readonly Uint8Array[], signedCheckpoint: string): string {
  return `${HEADER}\nindex ${index}\n${proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('')}\n${signedCheckpoint}`;
}

/** Splits a tlog-proof text; malformed text throws LEDGER_BAD_NOTE. */
export function parseTlogProof(text: string): { index: number; proof: Buffer[]; checkpoint: string } {
  const bad = (why: string) => ledgerErrors.make('LEDGER_BAD_NOTE', `tlog-proof: ${why}`);
  const split = text.indexOf('\n\n');
  if (split < 0) throw bad('no blank line before the checkpoint');
  const lines = text.slice(0, split).split('\n');
  if (lines[0] !== HEADER) throw bad(`first line is not ${HEADER}`);
  const m = /^index (0|[1-9][0-9]*)$/.exec(lines[1] ?? '');
  if (m === null) throw bad('second line is not "index <n>"');
  const proof = lines.slice(2).map((l) => {
    const h = decodeBase64Strict(l);
    if (h === undefined || h.length !== 32) throw bad(`proof line ${JSON.stringify(l.slice(0, 20))} is not a base64 hash`);
    return h;
  });
  return { index: Number(m[1]), proof, checkpoint: text.slice(split + 2) };
}

/**
 * Verifies that `entry` is in the log, from a tlog-proof text alone: the checkpoint's
 * signatures (log key required, witnesses as given), then the inclusion proof.
 */
export function verifyTlogProof(text: string, entry: Uint8Array, log: Verifier, witnesses: readonly Verifier[] = []): { index: number; size: number } {
  const p = parseTlogProof(text);
  const opened = openNote(p.checkpoint, [log, ...witnesses]);
  for (const k of [log, ...witnesses]) {
    if (!opened.verifiedBy.includes(k)) throw ledgerErrors.make('LEDGER_NO_SIGNATURE', `tlog-proof: the checkpoint carries no signature of ${k.name}`);
  }
  const cp = parseCheckpoint(opened.text);
  if (cp.origin !== log.name) throw ledgerErrors.make('LEDGER_WRONG_ORIGIN', `tlog-proof: checkpoint is for origin ${cp.origin}, expected ${log.name}`);
  const why = verifyInclusion(p.index, cp.size, leafHash(entry), p.proof, cp.root);
  if (why !== null) throw ledgerErrors.make('LEDGER_BAD_PROOF', `tlog-proof: entry ${p.index} in size ${cp.size}: ${why}`);
  return { index: p.index, size: cp.size };
}
