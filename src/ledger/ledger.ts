// The ledger: an append-only RFC 9162 Merkle log of canonical JSON entries, stored in
// SQLite, signed as C2SP checkpoints after each batch, and mirrored as C2SP tlog-tiles.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isBootmedicError, readGuardedText, writeFileAtomic } from '../core/index.ts';
import { formatCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.ts';
import { encodeEntry, type LedgerEntryInput } from './entry.ts';
import { ledgerErrors } from './errors.ts';
import { leafHash } from './hash.ts';
import { isValidKeyName, parseSkey, parseVkey, SIG_TYPE, type Signer, type Verifier } from './keys.ts';
import { defaultOrigin, ledgerPaths, loadOrCreateKey } from './ledger-files.ts';

export { ledgerPaths } from './ledger-files.ts';
import { openNote, signatureLine, signNote } from './note.ts';
import { buildConsistencyProof, buildInclusionProof, rangeHash } from './proofs.ts';
import { verifyConsistency } from './proof-verify.ts';
import { LedgerStore } from './store.ts';
import { exportTo, writeTiles, type TileSource } from './tile-writer.ts';
import { CHUNK_WIDTH, nodesAt, TreeBuilder, type NodeReader } from './tree-builder.ts';
import { verifyLedgerFiles, type LedgerVerifyResult } from './verify.ts';

/** How to open a ledger. */
export type LedgerOptions = Readonly<{
  /** The data directory; the ledger lives in `<home>/ledger/`. */
  home: string;
  /** The log's origin (checkpoint line 1 and key name); fixed when the log is created. */
  origin?: string;
  /** Create the ledger when absent (default true). Readers pass false. */
  create?: boolean;
  /** Open for reading only: no key needed, nothing written (verify, show, proofs, export). */
  readOnly?: boolean;
  /** Clock for entries without `at` (tests inject one). */
  now?: () => Date;
  /** Most entries one transaction takes (default 16384). */
  maxBatch?: number;
  /**
   * More files that keep the latest checkpoint (besides <home>/ledger-checkpoint), e.g. on
   * another disk or a mounted share: a writer updates each, verify compares with each.
   */
  rememberAt?: readonly string[];
  /**
   * More folders where witnesses keep the checkpoints they cosigned (besides
   * <home>/ledger-witnesses): verify compares the log with each (rollback, fork).
   */
  witnessDirs?: readonly string[];
  /** Witness public keys (cosignature/v1 vkey text) that verify checks cosignatures with, besides the <name>.vkey kept in the folders. */
  witnessKeys?: readonly string[];
}>;

/** An inclusion proof with everything needed to check it. */
export type InclusionProof = Readonly<{ index: number; size: number; leafHash: Buffer; proof: Buffer[]; root: Buffer }>;
/** A consistency proof between two sizes of this log. */
export type ConsistencyProof = Readonly<{ size1: number; size2: number; proof: Buffer[]; root1: Buffer; root2: Buffer }>;

/** Levels from which whole node chunks are cached (at most 1024 chunks, 8 MiB). */
const CACHED_LEVELS_FROM = 6;

type Pending = { bytes: Buffer; resolve: (r: { index: number }) => void; reject: (e: unknown) => void };

/**
 * Opens (creating on first use) the ledger under `<home>/ledger/`.
 *
 * @example
 * const ledger = await openLedger({ home: app.home });
 * const { index } = await ledger.append({ type: 'boot-outcome', vm: 'web1', data: { outcome: 'ready' } });
 * await ledger.close();
 */
export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  return Ledger.open(options);
}

/** A transparency log of bootmedic's events. Use openLedger(). */
export class Ledger {
  readonly origin: string;
  readonly verifier: Verifier;
  readonly paths: ReturnType<typeof ledgerPaths>;
  readonly #store: LedgerStore;
  readonly #signer: Signer | undefined;
  readonly #now: () => Date;
  readonly #maxBatch: number;
  readonly #remember: readonly string[];
  readonly #witnessDirs: readonly string[];
  readonly #witnessKeys: readonly Verifier[];
  /** What this process last wrote to each remembered file (no proof needed to replace that). */
  readonly #remembered = new Map<string, string>();
  #builder: TreeBuilder | undefined;
  #note = '';
  #pending: Pending[] = [];
  #scheduled = false;
  #closed = false;
  #tilesStale = false;
  readonly #upper = new Map<number, Buffer>();

  private constructor(store: LedgerStore, origin: string, verifier: Verifier, signer: Signer | undefined, options: LedgerOptions) {
    this.#store = store;
    this.origin = origin;
    this.verifier = verifier;
    this.#signer = signer;
    this.paths = ledgerPaths(options.home);
    this.#now = options.now ?? (() => new Date());
    this.#maxBatch = options.maxBatch ?? 16384;
    this.#remember = [this.paths.remembered, ...(options.rememberAt ?? [])];
    this.#witnessDirs = [this.paths.witnesses, ...(options.witnessDirs ?? [])];
    this.#witnessKeys = (options.witnessKeys ?? []).map((k) => parseVkey(k.trim()));
  }

  /** The folders where witnesses' cosigned checkpoints are kept (the first is <home>/ledger-witnesses). */
  get witnessDirs(): readonly string[] {
    return this.#witnessDirs;
  }

  /** Opens a ledger; see openLedger(). */
  static open(options: LedgerOptions): Ledger {
    const paths = ledgerPaths(options.home);
    const readOnly = options.readOnly === true;
    const create = !readOnly && options.create !== false;
    if (create) {
      try {
        mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
      } catch (cause) {
        throw ledgerErrors.make('LEDGER_DB_UNREADABLE', `ledger folder ${paths.dir}: ${(cause as Error).message}`, { cause, fix: 'Point --home or BOOTMEDIC_HOME at a writable directory.' });
      }
    }
    const store = new LedgerStore(paths.db, { create });
    try {
      const stored = store.meta('origin');
      if (stored !== undefined && options.origin !== undefined && options.origin !== stored) {
        throw ledgerErrors.make('LEDGER_ORIGIN_MISMATCH', `ledger ${paths.dir} has origin ${stored}, not ${options.origin}`);
      }
      const origin = stored ?? options.origin ?? defaultOrigin();
      if (!isValidKeyName(origin)) throw ledgerErrors.make('LEDGER_BAD_CHECKPOINT', `origin ${JSON.stringify(origin)}: must be non-empty, without spaces or '+'`, { fix: 'Use an origin like example.com/bootmedic.' });
      let signer: Signer | undefined;
      let vkey = store.meta('vkey');
      if (!readOnly) {
        signer = loadOrCreateKey(paths, origin, vkey === undefined && create);
        if (vkey === undefined) {
          store.transaction(() => {
            store.setMeta('layout', '1');
            store.setMeta('origin', origin);
            store.setMeta('vkey', signer!.vkey);
          });
          vkey = signer.vkey;
        } else if (vkey !== signer.vkey) {
          throw ledgerErrors.make('LEDGER_KEY_MISMATCH', `ledger key ${paths.key} is not the key this log was created with (${vkey.split('+').slice(0, 2).join('+')})`);
        }
        // The public key file is written once; a changed one is evidence, never overwritten.
        if (!existsSync(paths.vkey)) writeFileAtomic(paths.vkey, `${vkey}\n`);
        else if (readFileSync(paths.vkey, 'utf8') !== `${vkey}\n`) {
          throw ledgerErrors.make('LEDGER_KEY_MISMATCH', `public key ${paths.vkey} differs from the key recorded in the database`, { fix: "Run 'bootmedic ledger verify'; restore key.pub from a backup or an export (its vkey file)." });
        }
      }
      if (vkey === undefined) throw ledgerErrors.make('LEDGER_DB_INCONSISTENT', `ledger database ${paths.db} records no public key`);
      const ledger = new Ledger(store, origin, parseVkey(vkey), signer, options);
      ledger.#load(readOnly);
      return ledger;
    } catch (e) {
      store.close();
      throw e;
    }
  }

  /** Loads the right edge of the tree and the latest checkpoint; a writer also checks them and syncs the tiles. */
  #load(readOnly: boolean): void {
    if (!readOnly) {
      // A new log starts with a signed checkpoint of the empty tree.
      this.#store.transaction(() => {
        if (this.#store.lastCheckpoint() !== undefined) return;
        const note = signNote(formatCheckpoint(this.origin, 0, new TreeBuilder().root()), [this.#signer!]);
        this.#store.writeBatch({ first: 0, entries: [], chunks: [], checkpoint: { size: 0, note } });
      });
    }
    this.#store.snapshot(() => this.#loadSnapshot(readOnly));
    if (!readOnly && this.#builder !== undefined) {
      this.#syncTiles();
      this.#rememberCheckpoint();
    }
  }

  /**
   * Copies the latest checkpoint to the remembered files, each only when the log extends the
   * checkpoint it holds (RFC 9162 consistency proof from its size to ours). A remembered
   * checkpoint the log does not extend (a rollback, a fork) is never overwritten: it is the
   * evidence `verify` reports. Failures here never fail an append (the batch is durable).
   */
  #rememberCheckpoint(): void {
    for (const path of this.#remember) {
      try {
        const held = existsSync(path) ? readGuardedText(path, { what: 'remembered checkpoint', maxBytes: 64 * 1024 }) : undefined;
        if (held === this.#note) continue;
        if (held !== undefined && held !== this.#remembered.get(path) && !this.#extends(held)) continue;
        // Not flushed: a power cut can only leave an older (still consistent) copy, never a
        // torn one, and an append keeps its one fsync.
        writeFileAtomic(path, this.#note, { sync: false });
        this.#remembered.set(path, this.#note);
      } catch {
        // An unwritable copy: verify reports it stale or missing.
      }
    }
  }

  /** True when this log's current tree extends the checkpoint `note` (same origin and key). */
  #extends(note: string): boolean {
    let old: Checkpoint;
    try {
      old = this.#openCheckpoint(note);
    } catch {
      return false;
    }
    const size = this.size;
    if (old.size > size) return false;
    if (old.size === 0) return true;
    if (old.size === size) return old.root.equals(this.#tree().root());
    return verifyConsistency(old.size, size, buildConsistencyProof(this.#read, old.size, size), old.root, this.#tree().root()) === null;
  }

  #loadSnapshot(readOnly: boolean): void {
    const last = this.#store.lastCheckpoint();
    this.#note = last?.note ?? '';
    try {
      const size = last?.size ?? 0;
      const stats = this.#store.entryStats();
      if (stats.count !== size || stats.maxIdx !== size - 1) {
        throw ledgerErrors.make('LEDGER_DB_INCONSISTENT', `ledger database ${this.#store.path}: ${stats.count} entries but the latest checkpoint covers ${size}`);
      }
      this.#builder = TreeBuilder.restore(size, (level, chunk) => this.#storedChunk(level, chunk));
      const cp = this.#openCheckpoint(this.#note);
      if (cp.size !== size || !cp.root.equals(this.#builder.root())) {
        throw ledgerErrors.make('LEDGER_DB_INCONSISTENT', `ledger database ${this.#store.path}: the latest checkpoint (size ${cp.size}) does not match the stored tree`);
      }
    } catch (e) {
      // A reader still opens a damaged log so that verify() can say where it is damaged.
      if (!readOnly || !isBootmedicError(e)) throw e;
      this.#builder = undefined;
    }
  }

  #storedChunk(level: number, chunk: number): Buffer {
    const c = this.#store.chunk(level, chunk);
    if (c === undefined) throw ledgerErrors.make('LEDGER_DB_INCONSISTENT', `ledger database ${this.#store.path}: hashes ${level}/${chunk} are missing`);
    return c;
  }

  #openCheckpoint(note: string): Checkpoint {
    const cp = parseCheckpoint(openNote(note, [this.verifier]).text);
    if (cp.origin !== this.origin) throw ledgerErrors.make('LEDGER_WRONG_ORIGIN', `checkpoint is for origin ${cp.origin}, this log is ${this.origin}`);
    return cp;
  }

  #tree(): TreeBuilder {
    if (this.#closed) throw ledgerErrors.make('LEDGER_CLOSED', 'the ledger is closed');
    if (this.#builder === undefined) throw ledgerErrors.make('LEDGER_DB_INCONSISTENT', `ledger database ${this.#store.path} is damaged; run 'bootmedic ledger verify'`);
    return this.#builder;
  }

  /** Reads any stored node: the current edge from memory, older (full) chunks from the store. */
  readonly #read: NodeReader = (level, index) => {
    const tree = this.#tree();
    const mem = tree.current(level, index);
    if (mem !== undefined) return mem;
    const chunk = Math.floor(index / CHUNK_WIDTH);
    const pos = index % CHUNK_WIDTH;
    if (chunk >= tree.currentChunk(level)) throw ledgerErrors.make('LEDGER_DB_INCONSISTENT', `ledger database ${this.#store.path}: node ${level}/${index} is missing`);
    // Upper levels have few chunks and every proof passes through them: keep those whole
    // in memory (full chunks never change). Low levels are many: read the 32 bytes asked for.
    if (level >= CACHED_LEVELS_FROM) {
      const key = level * 2 ** 40 + chunk;
      let c = this.#upper.get(key);
      if (c === undefined) {
        c = this.#storedChunk(level, chunk);
        if (this.#upper.size >= 1024) this.#upper.delete(this.#upper.keys().next().value!);
        this.#upper.set(key, c);
      }
      if (c.length >= (pos + 1) * 32) return c.subarray(pos * 32, (pos + 1) * 32);
    }
    const h = this.#store.node(level, chunk, pos);
    if (h === undefined) throw ledgerErrors.make('LEDGER_DB_INCONSISTENT', `ledger database ${this.#store.path}: node ${level}/${index} is missing`);
    return h;
  };

  readonly #tileSource: TileSource = {
    chunk: (level, chunk) => (chunk === this.#tree().currentChunk(level) ? this.#tree().partial(level) : this.#storedChunk(level, chunk)),
    entries: (start, end) => this.#store.entryData(start, end),
  };

  /** Rewrites the tiles that may be missing after a crash or a failed write, then the checkpoint file. */
  #syncTiles(): void {
    const tiles = this.paths.tiles;
    const cpPath = join(tiles, 'checkpoint');
    let from = 0;
    try {
      const cp = this.#openCheckpoint(readFileSync(cpPath, 'utf8'));
      if (cp.size <= this.size) from = cp.size;
    } catch {
      from = 0;
    }
    const current = existsSync(cpPath) ? readFileSync(cpPath, 'utf8') : '';
    if (from === this.size && current === this.#note) return;
    writeTiles(tiles, this.#tileSource, from, this.size);
    writeFileAtomic(cpPath, this.#note);
    this.#tilesStale = false;
  }

  /** Number of entries. */
  get size(): number {
    return this.#tree().size;
  }

  /**
   * Appends an entry. Appends made in the same tick share one transaction and one signed
   * checkpoint (group commit); the promise resolves once the batch is durable.
   */
  append(entry: LedgerEntryInput): Promise<{ index: number }> {
    try {
      if (this.#closed) throw ledgerErrors.make('LEDGER_CLOSED', 'the ledger is closed');
      if (this.#signer === undefined) throw ledgerErrors.make('LEDGER_READ_ONLY', 'the ledger was opened read-only');
      const bytes = encodeEntry(entry, this.#now);
      return new Promise((resolve, reject) => {
        this.#pending.push({ bytes, resolve, reject });
        if (!this.#scheduled) {
          this.#scheduled = true;
          setImmediate(() => this.#flush());
        }
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Commits what is pending now, without waiting for the next tick. */
  flush(): void {
    this.#flush();
  }

  #flush(): void {
    this.#scheduled = false;
    while (this.#pending.length > 0) this.#commit(this.#pending.splice(0, this.#maxBatch));
  }

  #commit(batch: Pending[]): void {
    const signer = this.#signer!;
    let first = 0;
    let size = 0;
    try {
      this.#store.transaction(() => {
        // Another process may have appended since we last looked: start from the store.
        const last = this.#store.lastCheckpoint();
        if (last === undefined || last.size !== this.#builder?.size) this.#reload();
        const tree = this.#tree();
        first = tree.size;
        const chunks = new Map<string, { level: number; chunk: number; hashes: Buffer }>();
        for (const p of batch) tree.add(leafHash(p.bytes), (level, chunk, hashes) => chunks.set(`${level}/${chunk}`, { level, chunk, hashes }));
        size = tree.size;
        for (const p of tree.partials()) {
          if (p.hashes.length > 0 && nodesAt(size, p.level) !== nodesAt(first, p.level)) chunks.set(`${p.level}/${p.chunk}`, p);
        }
        const note = signNote(formatCheckpoint(this.origin, size, tree.root()), [signer]);
        this.#store.writeBatch({ first, entries: batch.map((p) => p.bytes), chunks: [...chunks.values()], checkpoint: { size, note } });
        this.#note = note;
      });
    } catch (e) {
      try {
        this.#reload();
      } catch {
        this.#builder = undefined;
      }
      for (const p of batch) p.reject(e);
      return;
    }
    // The batch is durable; the static tiles are a view that the next open can rebuild.
    try {
      const from = this.#tilesStale ? 0 : first;
      writeTiles(this.paths.tiles, this.#tileSource, from, size);
      writeFileAtomic(join(this.paths.tiles, 'checkpoint'), this.#note);
      this.#tilesStale = false;
    } catch {
      this.#tilesStale = true;
    }
    this.#rememberCheckpoint();
    batch.forEach((p, i) => p.resolve({ index: first + i }));
  }

  #reload(): void {
    const last = this.#store.lastCheckpoint();
    const size = last?.size ?? 0;
    this.#upper.clear();
    this.#builder = TreeBuilder.restore(size, (level, chunk) => this.#storedChunk(level, chunk));
    this.#note = last?.note ?? '';
  }

  /** The latest signed checkpoint (C2SP signed note), with any witness cosignatures. */
  checkpoint(): string {
    this.#tree();
    const size = this.size;
    const cosigs = this.#store.cosignatures(size).map((c) => c.line);
    return this.#note + cosigs.join('');
  }

  /** The entry bytes at `index`. */
  entry(index: number): Buffer {
    this.#checkIndex(index, this.size);
    const e = this.#store.entry(index);
    if (e === undefined) throw ledgerErrors.make('LEDGER_DB_INCONSISTENT', `ledger database ${this.#store.path}: entry ${index} is missing`);
    return e;
  }

  /** Entries with start <= index < end. */
  entries(start: number, end: number): Array<{ index: number; bytes: Buffer }> {
    return this.#store.entries(start, end).map((r) => ({ index: r.idx, bytes: r.data }));
  }

  #checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw ledgerErrors.make('LEDGER_BAD_RANGE', `tree size ${size} is out of range: the log has ${this.size} entries`);
    }
  }

  #checkIndex(index: number, size: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw ledgerErrors.make('LEDGER_BAD_RANGE', `index ${index} is out of range for tree size ${size}`);
    }
  }

  /** The RFC 9162 root of the first `size` entries. */
  rootAt(size: number = this.size): Buffer {
    this.#checkSize(size);
    return size === this.size ? this.#tree().root() : rangeHash(this.#read, 0, size);
  }

  /** Inclusion proof of entry `index` in the tree of `size` entries (default: the current size). */
  inclusionProof(index: number, size: number = this.size): InclusionProof {
    this.#checkSize(size);
    this.#checkIndex(index, size);
    return { index, size, leafHash: Buffer.from(this.#read(0, index)), proof: buildInclusionProof(this.#read, index, size), root: this.rootAt(size) };
  }

  /** Consistency proof from `size1` to `size2` (default: the current size); from 0 it is empty. */
  consistencyProof(size1: number, size2: number = this.size): ConsistencyProof {
    this.#checkSize(size2);
    this.#checkSize(size1);
    if (size1 > size2) throw ledgerErrors.make('LEDGER_BAD_RANGE', `old size ${size1} is larger than new size ${size2}`);
    // C2SP tlog-witness: the empty tree is consistent with every tree, with an empty proof.
    const proof = size1 === 0 ? [] : buildConsistencyProof(this.#read, size1, size2);
    return { size1, size2, proof, root1: this.rootAt(size1), root2: this.rootAt(size2) };
  }

  /**
   * Adds a witness cosignature (C2SP tlog-cosignature/v1) to the latest checkpoint, after
   * checking the checkpoint verifies; returns the cosigned checkpoint.
   */
  cosign(witnessSkey: string, time: number = Math.floor(this.#now().getTime() / 1000)): string {
    if (this.#signer === undefined) throw ledgerErrors.make('LEDGER_READ_ONLY', 'the ledger was opened read-only');
    const witness = parseSkey(witnessSkey);
    if (witness.type !== SIG_TYPE.cosignatureV1) throw ledgerErrors.make('LEDGER_BAD_COSIGNATURE', `witness key ${witness.name}: not a cosignature/v1 key (type 0x04)`);
    const cp = this.#openCheckpoint(this.#note);
    // As a C2SP tlog-witness does: only cosign a tree consistent with the last one this
    // witness cosigned (RFC 9162 consistency proof between the two signed roots).
    const prev = this.#store.allCosignatures().filter((c) => c.vkey === witness.vkey && c.size <= cp.size).at(-1);
    if (prev !== undefined && prev.size > 0) {
      const row = this.#store.checkpoints().find((r) => r.size === prev.size);
      const old = row === undefined ? undefined : this.#openCheckpoint(row.note);
      const proof = buildConsistencyProof(this.#read, prev.size, cp.size);
      if (old === undefined || verifyConsistency(prev.size, cp.size, proof, old.root, cp.root) !== null) {
        throw ledgerErrors.make('LEDGER_INCONSISTENT', `checkpoint ${cp.size} is not consistent with checkpoint ${prev.size} that ${witness.name} cosigned`);
      }
    }
    const body = this.#note.slice(0, this.#note.lastIndexOf('\n\n') + 1);
    this.#store.addCosignature(cp.size, witness.vkey, signatureLine(body, witness, time));
    return this.checkpoint();
  }

  /**
   * Writes a self-contained copy for offline verification into `dir` (new or empty):
   * the C2SP tiles and entry bundles, `checkpoint` (with cosignatures) and `vkey`.
   */
  export(dir: string): { size: number; dir: string } {
    const tree = this.#tree();
    exportTo(dir, this.#tileSource, tree.size, this.checkpoint(), this.verifier.vkey);
    return { size: tree.size, dir };
  }

  /** Re-derives every hash and checks every checkpoint, the stored tiles and the key files. */
  verify(): LedgerVerifyResult {
    if (this.#closed) throw ledgerErrors.make('LEDGER_CLOSED', 'the ledger is closed');
    return verifyLedgerFiles({
      store: this.#store, origin: this.origin, verifier: this.verifier, paths: this.paths, remembered: this.#remember,
      witnessed: { dirs: this.#witnessDirs, keys: this.#witnessKeys, proof: (size1, size2) => this.consistencyProof(size1, size2).proof },
    });
  }

  /** Commits pending appends and closes the database. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#flush();
      this.#closed = true;
      this.#store.close();
    }
    return Promise.resolve();
  }
}
