import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { storeErrors } from './errors.ts';

/** One step of the schema; steps run once each, in order, inside a transaction. */
export type Migration = Readonly<{ version: number; name: string; sql: string }>;

/** An opened SQLite database with WAL and the project's pragmas; the driver stays inside store/. */
export type SqliteHandle = Readonly<{ db: DatabaseSync; path: string; close(): void }>;

/**
 * Opens (or creates) `<home>/bootmedic.db` and applies the migrations it lacks.
 * `synchronous=FULL` with WAL: a committed row survives a kill -9 or a power cut.
 */
export function openSqlite(home: string, migrations: readonly Migration[], file = 'bootmedic.db'): SqliteHandle {
  const path = file === ':memory:' ? file : join(home, file);
  let db: DatabaseSync;
  try {
    if (file !== ':memory:') mkdirSync(home, { recursive: true, mode: 0o700 });
    db = new DatabaseSync(path);
    db.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;');
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  } catch (cause) {
    throw storeErrors.make('STORE_OPEN_FAILED', `store ${path}: ${(cause as Error).message}`, { cause });
  }
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  const current = row.v ?? 0;
  const known = Math.max(0, ...migrations.map((m) => m.version));
  if (current > known) {
    db.close();
    throw storeErrors.make('STORE_SCHEMA_TOO_NEW', `store ${path}: schema version ${current}, this bootmedic knows up to ${known}`);
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      db.exec('COMMIT');
    } catch (cause) {
      db.exec('ROLLBACK');
      db.close();
      throw storeErrors.make('STORE_OPEN_FAILED', `store ${path}: migration ${m.version} (${m.name}) failed: ${(cause as Error).message}`, { cause });
    }
  }
  return Object.freeze({ db, path, close: () => db.close() });
}

/** Runs `fn` in one IMMEDIATE transaction, committing on return and rolling back on throw. */
export function inTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}
