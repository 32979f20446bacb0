import type { DatabaseSync } from 'node:sqlite';
import type { Migration } from './sqlite.ts';

// Incidents and their steps, so that a restart of bootmedic resumes an incident where
// it stopped: a step is written as 'started' before its action runs, 'applied' when the
// action returned, and 'done' with its outcome after the verification boot. The healer
// reads these states back to know what must not be done twice.

export const incidentsMigration: Migration = {
  version: 2,
  name: 'incidents',
  sql: `
    CREATE TABLE incidents (
      id TEXT PRIMARY KEY,
      vm TEXT NOT NULL,
      status TEXT NOT NULL,
      boot_id TEXT,
      opened_at INTEGER NOT NULL,
      detected_at INTEGER NOT NULL,
      closed_at INTEGER,
      mttr_ms INTEGER,
      fixed_by TEXT,
      reason TEXT,
      diagnosis TEXT NOT NULL
    );
    CREATE INDEX incidents_vm ON incidents (vm, status, opened_at);
    CREATE TABLE incident_steps (
      incident_id TEXT NOT NULL REFERENCES incidents (id),
      seq INTEGER NOT NULL,
      remedy TEXT NOT NULL,
      state TEXT NOT NULL,
      outcome TEXT,
      started_at INTEGER NOT NULL,
      finished_at INTEGER,
      detail TEXT,
      PRIMARY KEY (incident_id, seq)
    );
    CREATE INDEX incident_steps_started ON incident_steps (started_at);
  `,
};

/** Where an incident stands. */
export type IncidentStatus = 'open' | 'recovered' | 'handed-over' | 'shutdown';
/** Where a step stands: started (action may be partial), applied (action done, not verified), done. */
export type StepState = 'started' | 'applied' | 'done';
/** How a step ended. */
export type StepOutcome = 'fixed' | 'failed' | 'shutdown' | 'error' | 'interrupted' | 'skipped';

/** An incident as stored; times are epoch milliseconds. */
export type StoredIncident = {
  id: string;
  vm: string;
  status: IncidentStatus;
  bootId?: string;
  openedAt: number;
  detectedAt: number;
  closedAt?: number;
  mttrMs?: number;
  fixedBy?: string;
  reason?: string;
  /** The diagnosis that opened the incident (JSON). */
  diagnosis: unknown;
};

/** One step of an incident. */
export type StoredStep = {
  incidentId: string;
  seq: number;
  remedy: string;
  state: StepState;
  outcome?: StepOutcome;
  startedAt: number;
  finishedAt?: number;
  detail?: unknown;
};

/** Incident persistence (see heal/'s IncidentStore port, which this satisfies). */
export type IncidentRepo = Readonly<{
  open(i: { id: string; vm: string; detectedAt: number; openedAt: number; bootId?: string; diagnosis: unknown }): void;
  get(id: string): StoredIncident | undefined;
  /** The open incident of a VM, if any (at most one is open per VM). */
  findOpen(vm: string): StoredIncident | undefined;
  list(opts?: { vm?: string; limit?: number }): StoredIncident[];
  steps(incidentId: string): StoredStep[];
  startStep(s: { incidentId: string; seq: number; remedy: string; startedAt: number; detail?: unknown }): void;
  markApplied(incidentId: string, seq: number): void;
  finishStep(incidentId: string, seq: number, outcome: StepOutcome, finishedAt: number, detail?: unknown): void;
  close(id: string, c: { status: Exclude<IncidentStatus, 'open'>; closedAt: number; mttrMs?: number; fixedBy?: string; reason: string }): void;
  /** Steps started for a VM's incidents at or after `sinceMs` (the per-window attempt budget). */
  attemptsSince(vm: string, sinceMs: number): number;
}>;

type IncRow = { id: string; vm: string; status: string; boot_id: string | null; opened_at: number; detected_at: number; closed_at: number | null; mttr_ms: number | null; fixed_by: string | null; reason: string | null; diagnosis: string };
type StepRow = { incident_id: string; seq: number; remedy: string; state: string; outcome: string | null; started_at: number; finished_at: number | null; detail: string | null };

const incFromRow = (r: IncRow): StoredIncident => ({
  id: r.id,
  vm: r.vm,
  status: r.status as IncidentStatus,
  ...(r.boot_id !== null ? { bootId: r.boot_id } : {}),
  openedAt: Number(r.opened_at),
  detectedAt: Number(r.detected_at),
  ...(r.closed_at !== null ? { closedAt: Number(r.closed_at) } : {}),
  ...(r.mttr_ms !== null ? { mttrMs: Number(r.mttr_ms) } : {}),
  ...(r.fixed_by !== null ? { fixedBy: r.fixed_by } : {}),
  ...(r.reason !== null ? { reason: r.reason } : {}),
  diagnosis: JSON.parse(r.diagnosis) as unknown,
});

const stepFromRow = (r: StepRow): StoredStep => ({
  incidentId: r.incident_id,
  seq: Number(r.seq),
  remedy: r.remedy,
  state: r.state as StepState,
  ...(r.outcome !== null ? { outcome: r.outcome as StepOutcome } : {}),
  startedAt: Number(r.started_at),
  ...(r.finished_at !== null ? { finishedAt: Number(r.finished_at) } : {}),
  ...(r.detail !== null ? { detail: JSON.parse(r.detail) as unknown } : {}),
});

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/** The incident repository over an opened database (migration `incidentsMigration` applied). */
export function incidentRepo(db: DatabaseSync): IncidentRepo {
  const ins = db.prepare('INSERT INTO incidents (id, vm, status, boot_id, opened_at, detected_at, diagnosis) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const byId = db.prepare('SELECT * FROM incidents WHERE id = ?');
  const openOf = db.prepare("SELECT * FROM incidents WHERE vm = ? AND status = 'open' ORDER BY opened_at DESC LIMIT 1");
  const listVm = db.prepare('SELECT * FROM incidents WHERE vm = ? ORDER BY opened_at DESC LIMIT ?');
  const listAll = db.prepare('SELECT * FROM incidents ORDER BY opened_at DESC LIMIT ?');
  const stepsOf = db.prepare('SELECT * FROM incident_steps WHERE incident_id = ? ORDER BY seq');
  const insStep = db.prepare("INSERT INTO incident_steps (incident_id, seq, remedy, state, started_at, detail) VALUES (?, ?, ?, 'started', ?, ?)");
  const applied = db.prepare("UPDATE incident_steps SET state = 'applied' WHERE incident_id = ? AND seq = ?");
  const finish = db.prepare("UPDATE incident_steps SET state = 'done', outcome = ?, finished_at = ?, detail = COALESCE(?, detail) WHERE incident_id = ? AND seq = ?");
  const close = db.prepare('UPDATE incidents SET status = ?, closed_at = ?, mttr_ms = ?, fixed_by = ?, reason = ? WHERE id = ?');
  const since = db.prepare(
    "SELECT COUNT(*) AS n FROM incident_steps s JOIN incidents i ON i.id = s.incident_id WHERE i.vm = ? AND s.started_at >= ? AND COALESCE(s.outcome, '') <> 'skipped'",
  );
  return Object.freeze({
    open(i) {
      ins.run(i.id, i.vm, 'open', i.bootId ?? null, i.openedAt, i.detectedAt, JSON.stringify(i.diagnosis));
    },
    get(id) {
      const r = byId.get(id) as IncRow | undefined;
      return r === undefined ? undefined : incFromRow(r);
    },
    findOpen(vm) {
      const r = openOf.get(vm) as IncRow | undefined;
      return r === undefined ? undefined : incFromRow(r);
    },
    list(opts = {}) {
      const rows = opts.vm !== undefined ? listVm.all(opts.vm, opts.limit ?? 50) : listAll.all(opts.limit ?? 50);
      return (rows as IncRow[]).map(incFromRow);
    },
    steps(incidentId) {
      return (stepsOf.all(incidentId) as StepRow[]).map(stepFromRow);
    },
    startStep(s) {
      insStep.run(s.incidentId, s.seq, s.remedy, s.startedAt, json(s.detail));
    },
    markApplied(incidentId, seq) {
      applied.run(incidentId, seq);
    },
    finishStep(incidentId, seq, outcome, finishedAt, detail) {
      finish.run(outcome, finishedAt, json(detail), incidentId, seq);
    },
    close(id, c) {
      close.run(c.status, c.closedAt, c.mttrMs ?? null, c.fixedBy ?? null, c.reason, id);
    },
    attemptsSince(vm, sinceMs) {
      return Number((since.get(vm, sinceMs) as { n: number }).n);
    },
  });
}
