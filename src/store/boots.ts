import type { DatabaseSync } from 'node:sqlite';
import type { Migration } from './sqlite.ts';

export const bootsMigration: Migration = {
  version: 1,
  name: 'boots',
  sql: `
    CREATE TABLE boots (
      id TEXT PRIMARY KEY,
      vm TEXT NOT NULL,
      image_key TEXT NOT NULL,
      started_at TEXT NOT NULL,
      status TEXT NOT NULL,
      phase TEXT NOT NULL,
      reason TEXT NOT NULL,
      accel TEXT NOT NULL,
      duration_ms REAL NOT NULL,
      timeline TEXT NOT NULL,
      record TEXT NOT NULL
    );
    CREATE INDEX boots_vm ON boots (vm, started_at);
    CREATE INDEX boots_image ON boots (image_key, status, started_at);
  `,
};

/** A boot as the store keeps it; `record` holds the whole outcome as JSON. */
export type StoredBoot = Readonly<{
  id: string;
  vm: string;
  imageKey: string;
  startedAt: string;
  status: string;
  phase: string;
  reason: string;
  accel: string;
  durationMs: number;
  timeline: readonly { phase: string; atMs: number }[];
  record: unknown;
}>;

type Row = { id: string; vm: string; image_key: string; started_at: string; status: string; phase: string; reason: string; accel: string; duration_ms: number; timeline: string; record: string };

const fromRow = (r: Row): StoredBoot => ({
  id: r.id,
  vm: r.vm,
  imageKey: r.image_key,
  startedAt: r.started_at,
  status: r.status,
  phase: r.phase,
  reason: r.reason,
  accel: r.accel,
  durationMs: r.duration_ms,
  timeline: JSON.parse(r.timeline) as StoredBoot['timeline'],
  record: JSON.parse(r.record) as unknown,
});

/** Boot history: every outcome, and the good boots that stall budgets are learned from. */
export type BootRepo = Readonly<{
  add(boot: StoredBoot): void;
  get(id: string): StoredBoot | undefined;
  recent(vm: string, limit?: number): StoredBoot[];
  /** The latest good (ready) boots of a VM or of an image, newest first. */
  goodBoots(key: { vm?: string; imageKey?: string }, limit?: number): StoredBoot[];
}>;

export function bootRepo(db: DatabaseSync): BootRepo {
  const insert = db.prepare(
    'INSERT INTO boots (id, vm, image_key, started_at, status, phase, reason, accel, duration_ms, timeline, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare('SELECT * FROM boots WHERE id = ?');
  const recent = db.prepare('SELECT * FROM boots WHERE vm = ? ORDER BY started_at DESC LIMIT ?');
  const goodVm = db.prepare("SELECT * FROM boots WHERE vm = ? AND status = 'ready' ORDER BY started_at DESC LIMIT ?");
  const goodImage = db.prepare("SELECT * FROM boots WHERE image_key = ? AND status = 'ready' ORDER BY started_at DESC LIMIT ?");
  return Object.freeze({
    add(b: StoredBoot) {
      insert.run(b.id, b.vm, b.imageKey, b.startedAt, b.status, b.phase, b.reason, b.accel, b.durationMs, JSON.stringify(b.timeline), JSON.stringify(b.record));
    },
    get(id: string) {
      const r = byId.get(id) as Row | undefined;
      return r === undefined ? undefined : fromRow(r);
    },
    recent(vm: string, limit = 20) {
      return (recent.all(vm, limit) as Row[]).map(fromRow);
    },
    goodBoots(key: { vm?: string; imageKey?: string }, limit = 50) {
      if (key.vm !== undefined) return (goodVm.all(key.vm, limit) as Row[]).map(fromRow);
      if (key.imageKey !== undefined) return (goodImage.all(key.imageKey, limit) as Row[]).map(fromRow);
      return [];
    },
  });
}
