import type { DatabaseSync } from 'node:sqlite';
import { inTransaction, type Migration } from './sqlite.ts';

// Metric history, downsampled so that forecasts need no Prometheus: every recorded value
// is added to a 10 s, a 1 min and a 10 min bucket of its series (sum and count, so a bucket
// is the mean of what fell in it), and each tier keeps a bounded window. Prometheus stays
// the place for long retention.

/** Schema version 4: metric_series (a series key and its number) and metric_points, one row per series, tier and bucket. */
export const metricsMigration: Migration = {
  version: 4,
  name: 'metric-history',
  sql: `
    CREATE TABLE metric_series (
      id INTEGER PRIMARY KEY,
      key TEXT NOT NULL UNIQUE
    );
    CREATE TABLE metric_points (
      series INTEGER NOT NULL REFERENCES metric_series (id),
      tier INTEGER NOT NULL,
      bucket INTEGER NOT NULL,
      sum REAL NOT NULL,
      n INTEGER NOT NULL,
      PRIMARY KEY (series, tier, bucket)
    ) WITHOUT ROWID;
    CREATE INDEX metric_points_age ON metric_points (tier, bucket);
  `,
};

/** A history tier: its bucket width and how long its buckets are kept. */
export type MetricTier = Readonly<{ name: 'raw' | '1m' | '10m'; bucketMs: number; keepMs: number }>;

/** The tiers, finest first: 10 s kept 1 hour, 1 min kept 2 days, 10 min kept 30 days. */
export const METRIC_TIERS: readonly MetricTier[] = Object.freeze([
  { name: 'raw', bucketMs: 10_000, keepMs: 3600_000 },
  { name: '1m', bucketMs: 60_000, keepMs: 2 * 86_400_000 },
  { name: '10m', bucketMs: 600_000, keepMs: 30 * 86_400_000 },
]);

/** One point of a series' history: the bucket's start (ms since the epoch) and its mean. */
export type MetricPoint = Readonly<{ t: number; value: number; n: number }>;

/** The metric history. */
export type MetricRepo = Readonly<{
  /** Adds one round's values (series key → value) at `atMs` to every tier and drops buckets past their window. */
  record(values: ReadonlyMap<string, number>, atMs: number): void;
  /** A series' points in one tier from `sinceMs` on, oldest first. */
  history(series: string, opts?: { tier?: MetricTier['name']; sinceMs?: number }): MetricPoint[];
  /** The series keys held, in order; those starting with `prefix` when given. */
  series(prefix?: string): string[];
}>;

/** The metric repository over an opened store database. */
export function metricRepo(db: DatabaseSync): MetricRepo {
  const upsert = db.prepare('INSERT INTO metric_points (series, tier, bucket, sum, n) VALUES (?, ?, ?, ?, 1) ON CONFLICT (series, tier, bucket) DO UPDATE SET sum = sum + excluded.sum, n = n + 1');
  const prune = db.prepare('DELETE FROM metric_points WHERE tier = ? AND bucket <= ?');
  const read = db.prepare('SELECT bucket, sum, n FROM metric_points JOIN metric_series ON metric_series.id = series WHERE key = ? AND tier = ? AND bucket >= ? ORDER BY bucket');
  const names = db.prepare('SELECT key FROM metric_series WHERE substr(key, 1, length(?)) = ? AND EXISTS (SELECT 1 FROM metric_points WHERE series = metric_series.id) ORDER BY key');
  const addSeries = db.prepare('INSERT INTO metric_series (key) VALUES (?) ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id');
  // Series numbers never change once given, so they are cached for the life of the handle.
  const ids = new Map<string, number | bigint>();
  const idOf = (key: string) => {
    let id = ids.get(key);
    if (id === undefined) ids.set(key, (id = (addSeries.get(key) as { id: number }).id));
    return id;
  };
  return Object.freeze({
    record(values: ReadonlyMap<string, number>, atMs: number) {
      try {
        inTransaction(db, () => {
          METRIC_TIERS.forEach((tier, i) => {
            const bucket = atMs - (atMs % tier.bucketMs);
            for (const [series, value] of values) if (Number.isFinite(value)) upsert.run(idOf(series), i, bucket, value);
            prune.run(i, atMs - tier.keepMs);
          });
        });
      } catch (e) {
        ids.clear(); // a rolled-back transaction may have taken new series numbers back
        throw e;
      }
    },
    history(series: string, opts: { tier?: MetricTier['name']; sinceMs?: number } = {}) {
      const tier = METRIC_TIERS.findIndex((t) => t.name === (opts.tier ?? 'raw'));
      const rows = read.all(series, tier, opts.sinceMs ?? 0) as { bucket: number; sum: number; n: number }[];
      return rows.map((r) => ({ t: r.bucket, value: r.sum / r.n, n: r.n }));
    },
    series(prefix = '') {
      return (names.all(prefix, prefix) as { key: string }[]).map((r) => r.key);
    },
  });
}
