import { bootRepo, bootsMigration, type BootRepo } from './boots.ts';
import { incidentRepo, incidentsMigration, type IncidentRepo } from './incidents.ts';
import { imageRepo, imagesMigration, type ImageRepo } from './images.ts';
import { metricRepo, metricsMigration, type MetricRepo } from './metrics.ts';
import { openSqlite, type Migration } from './sqlite.ts';

// Every repository contributes its migrations here, in version order. Versions are
// global to the database and never reused.
const MIGRATIONS: readonly Migration[] = [bootsMigration, incidentsMigration, imagesMigration, metricsMigration];

/** The embedded store: boot history, healing incidents with their steps, the image catalogue and the downsampled metric history. */
export type Store = Readonly<{
  boots: BootRepo;
  incidents: IncidentRepo;
  images: ImageRepo;
  metrics: MetricRepo;
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
  return Object.freeze({ boots: bootRepo(h.db), incidents: incidentRepo(h.db), images: imageRepo(h.db), metrics: metricRepo(h.db), path: h.path, close: h.close });
}
