// The durable store: one SQLite file in WAL mode with synchronous=FULL, so a committed
// batch (entries, node chunks and its signed checkpoint, in one transaction) survives a
// kill -9 or a power cut, and a torn batch is rolled back whole.
import { existsSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { ledgerErrors } from './errors.ts';

/** Version of the database layout (meta key "layout"). */
export const STORE_LAYOUT = '1';

// Node chunks are keyed by one integer (a rowid table reads 8 KiB blobs much faster than a
// WITHOUT ROWID table) and pages are 16 KiB so that a full chunk fits one page.
const LEVEL_SHIFT = 2 ** 40;
const nodeId = (level: number, chunk: number) => level * LEVEL_SHIFT + chunk;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, data BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS nodes (id INTEGER PRIMARY KEY, hashes BLOB NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS cosignatures (size INTEGER NOT NULL, vkey TEXT NOT NULL, line TEXT NOT NULL, PRIMARY KEY (size, vkey)) STRICT;
`;

/** One committed batch: new entries, changed node chunks, and the checkpoint that covers them. */
export type Batch = Readonly<{
  first: number;
  entries: readonly Uint8Array[];
  chunks: ReadonlyArray<{ level: number; chunk: number; hashes: Uint8Array }>;
  checkpoint: { size: number; note: string };
}>;

/** Wraps every SQLite failure in LEDGER_DB_UNREADABLE naming the file. */
function guard<T>(path: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (cause) {
    if (cause instanceof Error && cause.name === 'BootmedicError') throw cause;
    throw ledgerErrors.make('LEDGER_DB_UNREADABLE', `ledger database ${path}: ${what}: ${(cause as Error).message}`, { cause });
  }
}

/** The SQLite side of a ledger. */
export class LedgerStore {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #s: Record<'getMeta' | 'setMeta' | 'insertEntry' | 'upsertChunk' | 'insertCheckpoint' | 'getChunk' | 'getNode' | 'getEntry' | 'entryRange' | 'entryData' | 'lastCheckpoint' | 'maxIdx', StatementSync>;

  constructor(path: string, options: { create: boolean }) {
    this.path = path;
    if (!options.create && !existsSync(path)) {
      throw ledgerErrors.make('LEDGER_DB_UNREADABLE', `no ledger database at ${path}`, { fix: 'Check --home / BOOTMEDIC_HOME; the ledger is created when bootmedic first records an event.' });
    }
    this.#db = guard(path, 'open', () => new DatabaseSync(path, { timeout: 10_000 }));
    this.#s = guard(path, 'set up', () => {
      // page_size only takes effect on a new, empty file, before WAL is switched on.
      if (options.create) this.#db.exec('PRAGMA page_size=16384');
      this.#db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-32768;');
      // Read the header before creating anything: a damaged file must not be "repaired".
      this.#db.prepare('SELECT count(*) FROM sqlite_master').get();
      if (options.create) this.#db.exec(SCHEMA);
      const s = {
        getMeta: this.#db.prepare('SELECT value FROM meta WHERE key = ?'),
        setMeta: this.#db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
        insertEntry: this.#db.prepare('INSERT INTO entries (idx, data) VALUES (?, ?)'),
        upsertChunk: this.#db.prepare('INSERT OR REPLACE INTO nodes (id, hashes) VALUES (?, ?)'),
        insertCheckpoint: this.#db.prepare('INSERT INTO checkpoints (size, note) VALUES (?, ?)'),
        getChunk: this.#db.prepare('SELECT hashes FROM nodes WHERE id = ?'),
        getNode: this.#db.prepare('SELECT substr(hashes, ?, 32) AS h FROM nodes WHERE id = ?'),
        getEntry: this.#db.prepare('SELECT data FROM entries WHERE idx = ?'),
        entryRange: this.#db.prepare('SELECT idx, data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx'),
        entryData: this.#db.prepare('SELECT data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx'),
        lastCheckpoint: this.#db.prepare('SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1'),
        maxIdx: this.#db.prepare('SELECT max(idx) AS m, count(*) AS c FROM entries'),
      };
      s.entryData.setReturnArrays(true);
      return s;
    });
  }

  /** Reads a meta value. */
  meta(key: string): string | undefined {
    return guard(this.path, 'read meta', () => (this.#s.getMeta.get(key) as { value: string } | undefined)?.value);
  }

  /** Writes a meta value. */
  setMeta(key: string, value: string): void {
    guard(this.path, 'write meta', () => this.#s.setMeta.run(key, value));
  }

  /** Entry count and highest index (they differ when rows are missing). */
  entryStats(): { count: number; maxIdx: number } {
    return guard(this.path, 'count entries', () => {
      const r = this.#s.maxIdx.get() as { m: number | null; c: number };
      return { count: r.c, maxIdx: r.m ?? -1 };
    });
  }

  /** The latest checkpoint row. */
  lastCheckpoint(): { size: number; note: string } | undefined {
    return guard(this.path, 'read checkpoint', () => this.#s.lastCheckpoint.get() as { size: number; note: string } | undefined);
  }

  /** All checkpoint rows by size. */
  checkpoints(): Array<{ size: number; note: string }> {
    return guard(this.path, 'read checkpoints', () => this.#db.prepare('SELECT size, note FROM checkpoints ORDER BY size').all() as Array<{ size: number; note: string }>);
  }

  /** Cosignature lines recorded for a checkpoint size. */
  cosignatures(size: number): Array<{ vkey: string; line: string }> {
    return guard(this.path, 'read cosignatures', () => this.#db.prepare('SELECT vkey, line FROM cosignatures WHERE size = ? ORDER BY vkey').all(size) as Array<{ vkey: string; line: string }>);
  }

  /** Every cosignature row, by size. */
  allCosignatures(): Array<{ size: number; vkey: string; line: string }> {
    return guard(this.path, 'read cosignatures', () => this.#db.prepare('SELECT size, vkey, line FROM cosignatures ORDER BY size, vkey').all() as Array<{ size: number; vkey: string; line: string }>);
  }

  /** Records a witness cosignature line for a checkpoint size. */
  addCosignature(size: number, vkey: string, line: string): void {
    guard(this.path, 'write cosignature', () =>
      this.#db.prepare('INSERT INTO cosignatures (size, vkey, line) VALUES (?, ?, ?) ON CONFLICT(size, vkey) DO UPDATE SET line = excluded.line').run(size, vkey, line),
    );
  }

  /** A stored node chunk, or undefined. */
  chunk(level: number, chunk: number): Buffer | undefined {
    return guard(this.path, 'read hashes', () => {
      const r = this.#s.getChunk.get(nodeId(level, chunk)) as { hashes: Uint8Array } | undefined;
      return r === undefined ? undefined : Buffer.from(r.hashes.buffer, r.hashes.byteOffset, r.hashes.length);
    });
  }

  /** One 32-byte node hash at position `pos` of a stored chunk, or undefined (reads 32 bytes, not the chunk). */
  node(level: number, chunk: number, pos: number): Buffer | undefined {
    return guard(this.path, 'read hashes', () => {
      const r = this.#s.getNode.get(pos * 32 + 1, nodeId(level, chunk)) as { h: Uint8Array } | undefined;
      return r === undefined || r.h.length !== 32 ? undefined : Buffer.from(r.h.buffer, r.h.byteOffset, r.h.length);
    });
  }

  /** One entry's bytes, or undefined. */
  entry(index: number): Buffer | undefined {
    return guard(this.path, 'read entry', () => {
      const r = this.#s.getEntry.get(index) as { data: Uint8Array } | undefined;
      return r === undefined ? undefined : Buffer.from(r.data.buffer, r.data.byteOffset, r.data.length);
    });
  }

  /** Entries with start <= idx < end, in order, with their indexes. */
  entries(start: number, end: number): Array<{ idx: number; data: Buffer }> {
    return guard(this.path, 'read entries', () =>
      (this.#s.entryRange.all(start, end) as Array<{ idx: number; data: Uint8Array }>).map((r) => ({ idx: r.idx, data: Buffer.from(r.data.buffer, r.data.byteOffset, r.data.length) })),
    );
  }

  /**
   * The bytes of entries start <= idx < end, in order; fewer than end - start means some
   * are missing (idx is the rowid, so the rows that exist come back in order).
   */
  entryData(start: number, end: number): Buffer[] {
    return guard(this.path, 'read entries', () =>
      (this.#s.entryData.all(start, end) as unknown as Array<[Uint8Array]>).map(([d]) => Buffer.from(d.buffer, d.byteOffset, d.length)),
    );
  }

  /** Runs `fn` in one read transaction, so every read sees the same snapshot (WAL). */
  snapshot<T>(fn: () => T): T {
    guard(this.path, 'begin', () => this.#db.exec('BEGIN'));
    try {
      return fn();
    } finally {
      try {
        this.#db.exec('COMMIT');
      } catch {
        // nothing was written; a failed end of a read transaction loses nothing
      }
    }
  }

  /**
   * Runs `fn` inside BEGIN IMMEDIATE (other writers wait), committing when it returns and
   * rolling back when it throws.
   */
  transaction<T>(fn: () => T): T {
    guard(this.path, 'begin', () => this.#db.exec('BEGIN IMMEDIATE'));
    try {
      const out = fn();
      guard(this.path, 'commit', () => this.#db.exec('COMMIT'));
      return out;
    } catch (e) {
      try {
        this.#db.exec('ROLLBACK');
      } catch {
        // the transaction may already be gone (SQLite rolls back on some errors itself)
      }
      throw e;
    }
  }

  /** Writes one batch; call inside transaction(). */
  writeBatch(b: Batch): void {
    guard(this.path, 'write batch', () => {
      b.entries.forEach((data, i) => this.#s.insertEntry.run(b.first + i, data));
      for (const c of b.chunks) this.#s.upsertChunk.run(nodeId(c.level, c.chunk), c.hashes);
      this.#s.insertCheckpoint.run(b.checkpoint.size, b.checkpoint.note);
    });
  }

  /** Closes the database. */
  close(): void {
    try {
      this.#db.close();
    } catch {
      // already closed
    }
  }
}
