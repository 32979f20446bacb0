// Witness cosignatures kept outside the ledger folder. The cosignatures the log records live
// in its own database, so a ledger folder replaced with an older copy takes them back with
// it; a witness's copy of the checkpoint it cosigned, kept in a folder of its own, does not.
// Verify compares the log with each: a log behind a witnessed checkpoint, or one whose tree
// is not consistent with it (RFC 9162 consistency proof), was rolled back or forked.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkPath, isBootmedicError, readGuardedText, writeFileAtomic } from '../core/index.ts';
import { parseCheckpoint, type Checkpoint } from './checkpoint.ts';
import { ledgerErrors, type LedgerErrorCode } from './errors.ts';
import { parseVkey, SIG_TYPE, type Verifier } from './keys.ts';
import { openNote } from './note.ts';
import { verifyConsistency } from './proof-verify.ts';
import type { VerifyProblem } from './tree-check.ts';

/** Suffix of a cosigned checkpoint a witness keeps: `<witness>.checkpoint`; its key beside it as `<witness>.vkey`. */
const CP = '.checkpoint';
const VKEY = '.vkey';
const NOTE_MAX = 64 * 1024;

/** What the comparison needs from the log, read once. */
export type WitnessedLog = Readonly<{
  origin: string;
  verifier: Verifier;
  /** The log's latest signed size and root. */
  size: number;
  root: Buffer;
  /** RFC 9162 consistency proof from `size1` to the latest size. */
  proof(size1: number): Buffer[];
}>;

/** A problem found, with the first entry index it puts in doubt (null: none) and the end of the range. */
export type WitnessProblem = VerifyProblem & { end?: number };

const fileSafe = (name: string) => name.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * Keeps `note` (a checkpoint with the witness's cosignature line) in `dir` as
 * `<witness>.checkpoint`, and the witness's public key as `<witness>.vkey`; returns the path.
 */
export function keepCosigned(dir: string, note: string, witness: Readonly<{ name: string; vkey: string }>): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const base = join(dir, fileSafe(witness.name));
  writeFileAtomic(`${base}${CP}`, note);
  writeFileAtomic(`${base}${VKEY}`, `${witness.vkey}\n`);
  return `${base}${CP}`;
}

const codeOf = (e: unknown): LedgerErrorCode => (isBootmedicError(e) && e.code.startsWith('LEDGER_') ? (e.code as LedgerErrorCode) : 'LEDGER_BAD_CHECKPOINT');

/** The witness keys to check with: those given, then each `<name>.vkey` kept in a folder. */
function witnessKeys(dirs: readonly string[], given: readonly Verifier[], problems: WitnessProblem[]): Verifier[] {
  const keys = [...given];
  for (const dir of dirs) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith(VKEY)).sort()) {
      try {
        const k = parseVkey(readGuardedText(join(dir, f), { what: 'witness key', maxBytes: NOTE_MAX }).trim());
        if (k.type !== SIG_TYPE.cosignatureV1) throw ledgerErrors.make('LEDGER_BAD_VKEY', `not a cosignature/v1 witness key (type 0x04)`);
        if (!keys.some((g) => g.vkey === k.vkey)) keys.push(k);
      } catch (e) {
        problems.push({ code: codeOf(e), message: `witness key ${join(dir, f)}: ${(e as Error).message}`, index: null });
      }
    }
  }
  return keys;
}

/**
 * Compares the log with every cosigned checkpoint kept in `dirs` (folders that do not exist
 * are skipped). Each must be signed by the log and should carry a verifiable cosignature;
 * a checkpoint larger than the log, or one the log's tree is not consistent with, is
 * LEDGER_ROLLED_BACK naming the witness.
 */
export function checkWitnessed(log: WitnessedLog, dirs: readonly string[], given: readonly Verifier[] = []): WitnessProblem[] {
  const problems: WitnessProblem[] = [];
  const present = dirs.filter((d) => existsSync(d));
  // A folder of the right name that is a file, a FIFO or a symlink loop is a clear error, not a crash in readdir.
  for (const d of present) checkPath(d, { what: 'witness folder', kind: 'directory' });
  const keys = witnessKeys(present, given, problems);
  for (const dir of present) {
    for (const f of readdirSync(dir).filter((n) => n.endsWith(CP)).sort()) {
      const path = join(dir, f);
      let cp: Checkpoint;
      let witness: string;
      try {
        const opened = openNote(readGuardedText(path, { what: 'witnessed checkpoint', maxBytes: NOTE_MAX }), [log.verifier, ...keys]);
        if (!opened.verifiedBy.includes(log.verifier)) throw ledgerErrors.make('LEDGER_NO_SIGNATURE', `carries no signature of the log key ${log.verifier.name}`);
        cp = parseCheckpoint(opened.text);
        if (cp.origin !== log.origin) throw ledgerErrors.make('LEDGER_WRONG_ORIGIN', `is for origin ${cp.origin}, expected ${log.origin}`);
        const by = opened.verifiedBy.filter((v) => v !== log.verifier).map((v) => v.name);
        if (by.length === 0) {
          // Still the log's own signed checkpoint, so still evidence of the size it had.
          problems.push({ code: 'LEDGER_BAD_COSIGNATURE', message: `witnessed checkpoint ${path}: no cosignature by a known witness key (keep <witness>.vkey beside it or pass --witness FILE)`, index: null });
          witness = `unverified witness (${f.slice(0, -CP.length)})`;
        } else witness = `witness ${by.join(', ')}`;
      } catch (e) {
        problems.push({ code: codeOf(e), message: `witnessed checkpoint ${path}: ${(e as Error).message}`, index: null });
        continue;
      }
      if (cp.size > log.size) {
        problems.push({ code: 'LEDGER_ROLLED_BACK', message: `${witness} cosigned checkpoint size ${cp.size} (${path}), the log only has ${log.size}: the ledger was rolled back to an older copy`, index: log.size });
        continue;
      }
      if (cp.size === 0) continue;
      let consistent: boolean;
      try {
        consistent = verifyConsistency(cp.size, log.size, log.proof(cp.size), cp.root, log.root) === null;
      } catch {
        consistent = false; // a tree that cannot even give the proof is not consistent; its own problem is reported by verify
      }
      if (!consistent) {
        problems.push({ code: 'LEDGER_ROLLED_BACK', message: `${witness} cosigned checkpoint size ${cp.size} (${path}), and the log's tree is not consistent with it: the log was forked or rewritten`, index: 0, end: cp.size });
      }
    }
  }
  return problems;
}
