import { bootRepo, bootsMigration, type BootRepo } from './boots.ts';
import { openSqlite, type Migration } from './sqlite.ts';

// Every repository contributes its migrations here, in version order. Versions are
// global to the database and never reused.
const MIGRATIONS: readonly Migration[] = [bootsMigration];

/** The embedded store: boot history (and, as parts land, incidents and images). */
export type Store = Readonly<{
  boots: BootRepo;
  path: string;
  close(): void;
}>;

/**
 * Opens the embedded SQLite store in `home` (`:memory:` as file for tests).
 * @example
 * const store = openStore({ home: app.home });
 * store.boots.goodBoots({ vm: 'tiny' });
 */
export function openStore(opts: { home: string; file?: string }): Store {
  const h = openSqlite(opts.home, MIGRATIONS, opts.file);
  return Object.freeze({ boots: bootRepo(h.db), path: h.path, close: h.close });
}
