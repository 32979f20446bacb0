// Verification of a ledger in place (database, tiles folder, key files) and of an
// exported folder alone (tiles, checkpoint, public key).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkPath, isBootmedicError, LIMIT, readGuarded, readGuardedText } from '../core/index.ts';
import type { VerifyResult } from '../core/index.ts';
import { parseCheckpoint, type Checkpoint } from './checkpoint.ts';
import { ledgerErrors, type LedgerErrorCode } from './errors.ts';
import { parseSkey, parseVkey, SIG_TYPE, type Verifier } from './keys.ts';
import { openNote } from './note.ts';
import type { LedgerStore } from './store.ts';
import { decodeBundle, entriesPath } from './tiles.ts';
import { checkTree, ProblemList, type VerifyProblem } from './tree-check.ts';
import { CHUNK_WIDTH } from './tree-builder.ts';
import { checkWitnessed } from './witnessed.ts';

export type { VerifyProblem } from './tree-check.ts';

/** What verify reports; `ok` only when nothing at all is wrong. */
export type LedgerVerifyResult = VerifyResult<VerifyProblem, {
  /** Entries checked (the latest checkpoint's size). */
  size: number;
  /** Checkpoints whose signature and root verified. */
  checkpoints: number;
  /** The first entry index that is not vouched for by an intact chain, or null. */
  firstBadIndex: number | null;
}>;

function codeOf(e: unknown): LedgerErrorCode {
  if (isBootmedicError(e) && e.code.startsWith('LEDGER_')) return e.code as LedgerErrorCode;
  throw e;
}

/** Opens one checkpoint note: signature, body, origin. Throws typed errors. */
function openCheckpoint(note: string, verifiers: readonly Verifier[], origin: string): { cp: Checkpoint; verifiedBy: Verifier[] } {
  const opened = openNote(note, verifiers);
  const cp = parseCheckpoint(opened.text);
  if (cp.origin !== origin) throw ledgerErrors.make('LEDGER_WRONG_ORIGIN', `checkpoint is for origin ${cp.origin}, expected ${origin}`);
  return { cp, verifiedBy: opened.verifiedBy };
}

/** Everything verifyLedgerFiles needs from an open ledger. */
export type LedgerFiles = Readonly<{
  store: LedgerStore;
  origin: string;
  verifier: Verifier;
  paths: { key: string; vkey: string; tiles: string };
  /** Files holding a checkpoint this log signed earlier, kept outside its folder (rollback evidence). */
  remembered?: readonly string[];
  /** Folders of witnesses' cosigned checkpoints kept outside the ledger folder, the witness keys given, and the log's consistency proofs. */
  witnessed?: Readonly<{ dirs: readonly string[]; keys: readonly Verifier[]; proof: (size1: number, size2: number) => Buffer[] }>;
}>;

/** Verifies a ledger in place: key files, every checkpoint, every hash, the tiles folder. */
export function verifyLedgerFiles(l: LedgerFiles): LedgerVerifyResult {
  // The tiles checkpoint is read before the database snapshot: a writer commits before it
  // writes tiles, so the snapshot is never older than the tiles it is compared with.
  const cpPath = join(l.paths.tiles, 'checkpoint');
  const tilesNote = existsSync(cpPath) ? readFileSync(cpPath, 'utf8') : undefined;
  return l.store.snapshot(() => verifySnapshot(l, tilesNote, cpPath));
}

function verifySnapshot(l: LedgerFiles, tilesNote: string | undefined, cpPath: string): LedgerVerifyResult {
  const problems = new ProblemList();
  // Key files: the public key others get must be the recorded one, and so must the signer.
  try {
    const pub = parseVkey(readFileSync(l.paths.vkey, 'utf8'));
    if (pub.vkey !== l.verifier.vkey) problems.add('LEDGER_KEY_MISMATCH', `public key ${l.paths.vkey} is not the key recorded in the database`, 0);
  } catch (e) {
    problems.add(isBootmedicError(e) ? codeOf(e) : 'LEDGER_BAD_KEY', `public key ${l.paths.vkey}: ${(e as Error).message}`, 0);
  }
  try {
    if ((statSync(l.paths.key).mode & 0o077) !== 0) problems.add('LEDGER_BAD_KEY', `signing key ${l.paths.key} is readable by other users`, null);
    const signer = parseSkey(readFileSync(l.paths.key, 'utf8'));
    if (signer.vkey !== l.verifier.vkey) problems.add('LEDGER_KEY_MISMATCH', `signing key ${l.paths.key} is not the key recorded in the database`, null);
  } catch (e) {
    problems.add(isBootmedicError(e) ? codeOf(e) : 'LEDGER_BAD_KEY', `signing key ${l.paths.key}: ${(e as Error).message}`, null);
  }

  // Checkpoints: each must verify; an entry is vouched for by the first good one covering it.
  const rows = l.store.checkpoints();
  const good: Array<{ size: number; root: Buffer; vouchFrom: number; what: string }> = [];
  let lastGood = 0;
  for (const row of rows) {
    try {
      const { cp } = openCheckpoint(row.note, [l.verifier], l.origin);
      if (cp.size !== row.size) throw ledgerErrors.make('LEDGER_DB_INCONSISTENT', `checkpoint stored as size ${row.size} says size ${cp.size}`);
      good.push({ size: cp.size, root: cp.root, vouchFrom: lastGood, what: `checkpoint ${cp.size}` });
      lastGood = cp.size;
    } catch (e) {
      problems.add(codeOf(e), `checkpoint ${row.size}: ${(e as Error).message}`, lastGood);
    }
  }
  // Witness cosignatures (C2SP tlog-cosignature/v1) recorded with their keys must verify.
  for (const c of l.store.allCosignatures()) {
    const row = rows.find((r) => r.size === c.size);
    try {
      const witness = parseVkey(c.vkey);
      if (row === undefined) throw ledgerErrors.make('LEDGER_BAD_COSIGNATURE', 'no checkpoint of that size');
      const opened = openNote(row.note + c.line, [l.verifier, witness]);
      if (!opened.verifiedBy.includes(witness)) throw ledgerErrors.make('LEDGER_BAD_COSIGNATURE', `the line is not by ${witness.name}`);
    } catch (e) {
      // A bad cosignature says nothing against the entries: the log's own chain may be intact.
      problems.add('LEDGER_BAD_COSIGNATURE', `cosignature on checkpoint ${c.size}: ${(e as Error).message}`, null);
    }
  }
  const latest = rows.at(-1)?.size ?? 0;
  checkRemembered(l, rows, latest, problems);
  const latestRow = rows.at(-1);
  if (l.witnessed !== undefined && latestRow !== undefined) {
    let root: Buffer | undefined;
    try {
      root = openCheckpoint(latestRow.note, [l.verifier], l.origin).cp.root;
    } catch {
      root = undefined; // reported with the checkpoints; nothing to compare against
    }
    const w = l.witnessed;
    if (root !== undefined) {
      for (const p of checkWitnessed({ origin: l.origin, verifier: l.verifier, size: latest, root, proof: (s1) => w.proof(s1, latest) }, w.dirs, w.keys)) problems.add(p.code, p.message, p.index, p.end);
    }
  } else if (l.witnessed !== undefined) {
    // An empty log: any witnessed checkpoint of a larger size shows it was rolled back.
    for (const p of checkWitnessed({ origin: l.origin, verifier: l.verifier, size: 0, root: Buffer.alloc(0), proof: () => [] }, l.witnessed.dirs, l.witnessed.keys)) problems.add(p.code, p.message, p.index, p.end);
  }
  const stats = l.store.entryStats();
  if (stats.count > latest) problems.add('LEDGER_DB_INCONSISTENT', `${stats.count - latest} entries lie past the latest checkpoint (size ${latest})`, latest);

  // Tiles folder: its checkpoint must be the latest one (a stale one means tiles lag behind).
  let tiles: string | undefined;
  if (tilesNote !== undefined) {
    tiles = l.paths.tiles;
    const note = tilesNote;
    const latestNote = rows.at(-1)?.note;
    if (note !== latestNote) {
      try {
        const { cp } = openCheckpoint(note, [l.verifier], l.origin);
        const same = rows.find((r) => r.size === cp.size);
        if (same !== undefined && same.note !== note) {
          // Validly signed yet different from the log's own checkpoint of that size: a fork.
          problems.add('LEDGER_INCONSISTENT', `tiles checkpoint of size ${cp.size} differs from the log's checkpoint of that size`, Math.min(cp.size, good.findLast((g) => g.size < cp.size)?.size ?? 0));
        } else problems.add('LEDGER_BAD_TILE', `tiles checkpoint is for size ${cp.size}, the log has ${latest} (stale tiles)`, Math.min(cp.size, latest));
      } catch (e) {
        problems.add(codeOf(e), `tiles checkpoint ${cpPath}: ${(e as Error).message}`, good.at(-2)?.size ?? 0);
      }
    }
  } else if (latest > 0) {
    problems.add('LEDGER_BAD_TILE', `tiles checkpoint ${cpPath} is missing`, null);
  }

  checkTree({
    // The checkpoint's size, even when rows are missing: the page that lacks one names it.
    size: latest,
    page: (start, end) => {
      const data = l.store.entryData(start, end);
      if (data.length !== end - start) {
        const rows = l.store.entries(start, end);
        const gap = rows.findIndex((r, i) => r.idx !== start + i);
        const missing = gap < 0 ? start + rows.length : start + gap;
        throw ledgerErrors.make('LEDGER_DB_INCONSISTENT', `entry ${missing} is missing`, { details: { index: missing } });
      }
      return data;
    },
    checkpoints: good,
    stored: (level, chunk) => l.store.chunk(level, chunk),
    ...(tiles === undefined ? {} : { tiles }),
    bundles: true,
    problems,
  });
  return { ok: problems.items.length === 0, size: latest, checkpoints: good.length, firstBadIndex: problems.firstBadIndex, problems: problems.items };
}

/**
 * A remembered checkpoint must still be one of the log's own: the same size with the same
 * root. With every checkpoint root re-derived from the entries (checkTree), that proves the
 * current tree extends it; a log smaller than it was rolled back, another root is a fork.
 */
function checkRemembered(l: LedgerFiles, rows: ReadonlyArray<{ size: number; note: string }>, latest: number, problems: ProblemList): void {
  for (const path of l.remembered ?? []) {
    if (!existsSync(path)) continue;
    let cp: Checkpoint;
    try {
      cp = openCheckpoint(readGuardedText(path, { what: 'remembered checkpoint', maxBytes: 64 * 1024 }), [l.verifier], l.origin).cp;
    } catch (e) {
      problems.add(codeOf(e), `remembered checkpoint ${path}: ${(e as Error).message}`, null);
      continue;
    }
    if (cp.size > latest) {
      problems.add('LEDGER_ROLLED_BACK', `remembered checkpoint ${path} has size ${cp.size}, the log only ${latest}: the ledger was rolled back to an older copy`, latest);
      continue;
    }
    const row = rows.find((r) => r.size === cp.size);
    let same = false;
    try {
      same = row !== undefined && openCheckpoint(row.note, [l.verifier], l.origin).cp.root.equals(cp.root);
    } catch {
      same = false; // the row's own problem is reported with the checkpoints
    }
    if (!same) problems.add('LEDGER_ROLLED_BACK', `remembered checkpoint ${path} (size ${cp.size}) is not a checkpoint of this log: the log was forked or rewritten`, 0, cp.size);
  }
}

/** Options for verifying an exported folder. */
export type ExportVerifyOptions = Readonly<{
  /** The log's public key (vkey text); default: the folder's `vkey` file. */
  vkey?: string;
  /** The origin the checkpoint must carry; default: the key's name. */
  origin?: string;
  /** Witness vkeys (cosignature/v1) whose cosignature must be on the checkpoint. */
  witnesses?: readonly string[];
}>;

/** Reads a file of an export through the guarded open (a FIFO or a folder in its place is FILE_WRONG_TYPE). */
function readRequired(dir: string, name: string): string {
  return readGuardedText(join(dir, name), {
    what: `export ${dir}:`,
    maxBytes: LIMIT.LEDGER_EXPORT_FILE_MAX_BYTES,
    missing: () => ledgerErrors.make('LEDGER_BAD_EXPORT', `export ${dir}: ${name} is missing`),
  });
}

/**
 * Verifies an exported folder alone: the checkpoint's signature (and witness
 * cosignatures), then every entry bundle and tile against the checkpoint's root.
 * Missing or unreadable inputs throw; anything that fails to verify is a problem.
 */
export function verifyExport(dir: string, options: ExportVerifyOptions = {}): LedgerVerifyResult {
  checkPath(dir, { what: 'export', kind: 'directory', missing: () => ledgerErrors.make('LEDGER_BAD_EXPORT', `export ${dir} does not exist`) });
  const verifier = parseVkey(options.vkey ?? readRequired(dir, 'vkey'));
  if (verifier.type !== SIG_TYPE.ed25519) throw ledgerErrors.make('LEDGER_BAD_VKEY', `key ${verifier.name} is not an Ed25519 log key`);
  const witnesses = (options.witnesses ?? []).map((w) => parseVkey(w));
  const note = readRequired(dir, 'checkpoint');
  const problems = new ProblemList();
  let cp: Checkpoint;
  try {
    const opened = openCheckpoint(note, [verifier, ...witnesses], options.origin ?? verifier.name);
    cp = opened.cp;
    if (!opened.verifiedBy.includes(verifier)) throw ledgerErrors.make('LEDGER_NO_SIGNATURE', `checkpoint carries no signature of the log key ${verifier.name}`);
    for (const w of witnesses) if (!opened.verifiedBy.includes(w)) problems.add('LEDGER_BAD_COSIGNATURE', `checkpoint carries no cosignature of witness ${w.name}`, 0);
  } catch (e) {
    problems.add(codeOf(e), `checkpoint: ${(e as Error).message}`, 0);
    return { ok: false, size: 0, checkpoints: 0, firstBadIndex: problems.firstBadIndex, problems: problems.items };
  }
  checkTree({
    size: cp.size,
    page: (start, end) => {
      const rel = entriesPath(start / CHUNK_WIDTH, end - start);
      const bytes = readGuarded(join(dir, rel), {
        what: 'entry bundle',
        maxBytes: LIMIT.LEDGER_EXPORT_FILE_MAX_BYTES,
        missing: () => ledgerErrors.make('LEDGER_BAD_TILE', `entry bundle ${rel} is missing`),
      });
      const entries = decodeBundle(bytes, rel);
      if (entries.length !== end - start) throw ledgerErrors.make('LEDGER_BAD_TILE', `entry bundle ${rel} holds ${entries.length} entries, not ${end - start}`);
      return entries;
    },
    checkpoints: [{ size: cp.size, root: cp.root, vouchFrom: 0, what: 'the checkpoint' }],
    tiles: dir,
    bundles: false,
    problems,
  });
  return { ok: problems.items.length === 0, size: cp.size, checkpoints: problems.items.length === 0 ? 1 : 0, firstBadIndex: problems.firstBadIndex, problems: problems.items };
}
