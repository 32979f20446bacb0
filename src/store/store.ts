import { bootRepo, bootsMigration, type BootRepo } from './boots.ts';
import { incidentRepo, incidentsMigration, type IncidentRepo } from './incidents.ts';
import { openSqlite, type Migration } from './sqlite.ts';

// Every repository contributes its migrations here, in version order. Versions are
// global to the database and never reused.
const MIGRATIONS: readonly Migration[] = [bootsMigration, incidentsMigration];

/** The embedded store: boot history, and healing incidents with their steps. */
export type Store = Readonly<{
  boots: BootRepo;
  incidents: IncidentRepo;
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
  return Object.freeze({ boots: bootRepo(h.db), incidents: incidentRepo(h.db), path: h.path, close: h.close });
}
