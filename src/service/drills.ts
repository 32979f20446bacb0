import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/index.ts';
import { readGuardedText, writeFileAtomic } from '../core/index.ts';
import { finishDrill, runDrill, type DrillReport } from '../drill/index.ts';
import type { IncidentStore } from '../heal/index.ts';
import type { SupervisorDeps } from '../supervisor/index.ts';
import { serviceErrors } from './errors.ts';
import type { Hub } from './hub.ts';
import type { Logger } from './log.ts';
import type { DrillSummary } from './types.ts';

// The service's drills: one at a time, in the background, each in <home>/drills/<id>/
// (where `bootmedic drill` writes its reports too). Its summary is kept beside the report
// as service-drill.json, written at the start and at the end, so a restarted service still
// lists it; a drill the service was running when it died is listed as failed.

const SUMMARY = 'service-drill.json';
/** A drill id as this module makes them (and `bootmedic drill` does): safe as one path segment. */
const ID = /^[0-9a-z][0-9a-z-]{0,63}$/;
const MAX_REPORT_BYTES = 64 << 20;

type LedgerLike = Parameters<typeof finishDrill>[1] & {};

export type DrillRunner = Readonly<{
  start(o: { scenarios: number; seed: number; quick?: boolean }): DrillSummary;
  list(): DrillSummary[];
  get(id: string): (DrillSummary & { report?: DrillReport }) | undefined;
  /** Aborts a running drill and waits for it to end (its VMs stopped). */
  close(): Promise<void>;
}>;

function readJson(path: string, what: string, maxBytes = 1 << 20): unknown {
  try {
    return JSON.parse(readGuardedText(path, { what, maxBytes }));
  } catch {
    return undefined;
  }
}

/** A summary from a report that `bootmedic drill` wrote (no service-drill.json beside it). */
function fromReport(id: string, dir: string): DrillSummary | undefined {
  const r = readJson(join(dir, 'report.json'), 'drill report', MAX_REPORT_BYTES) as DrillReport | undefined;
  if (r === undefined || typeof r !== 'object' || !Array.isArray(r.scenarios)) return undefined;
  return { id, status: 'done', scenarios: r.scenarios.length, seed: r.seed, done: r.scenarios.length, startedAt: r.startedAt, totals: r.totals, files: { html: join(dir, 'report.html'), md: join(dir, 'report.md'), json: join(dir, 'report.json') } };
}

export function createDrillRunner(o: { app: AppConfig; deps: SupervisorDeps; ledger: LedgerLike; incidents: IncidentStore; hub: Hub; log: Logger; maxScenarios: () => number }): DrillRunner {
  const root = join(o.app.home, 'drills');
  const save = (s: DrillSummary) => writeFileAtomic(join(root, s.id, SUMMARY), `${JSON.stringify(s, null, 2)}\n`);
  let running: { summary: DrillSummary; abort: AbortController; done: Promise<void> } | undefined;

  // A drill still 'running' in a summary belongs to a service that died: it is failed now.
  const load = (id: string): DrillSummary | undefined => {
    const dir = join(root, id);
    const s = readJson(join(dir, SUMMARY), 'drill summary') as DrillSummary | undefined;
    if (s === undefined || typeof s !== 'object' || s.id !== id) return fromReport(id, dir);
    if (s.status === 'running' && running?.summary.id !== id) return { ...s, status: 'failed', error: 'the service stopped before the drill ended' };
    return s;
  };

  async function run(id: string, opts: { scenarios: number; seed: number; quick?: boolean }, signal: AbortSignal): Promise<void> {
    let summary = running!.summary;
    const set = (next: DrillSummary) => {
      summary = next;
      if (running?.summary.id === id) running.summary = next;
    };
    // Saved first, then no longer running, then announced: a listener of drill-end may start the next drill.
    const ended = () => {
      if (running?.summary.id === id) running = undefined;
    };
    try {
      const report = await runDrill({
        scenarios: opts.scenarios, seed: opts.seed, app: o.app, deps: o.deps, incidents: o.incidents, dir: join(root, id), id: id.slice(-4), signal, ...(opts.quick === true ? { quick: true } : {}),
        onProgress: (p) => {
          set({ ...summary, done: p.done });
          o.hub.publish({ kind: 'drill', drillId: id, progress: p });
        },
      });
      const { report: final, files } = await finishDrill(report, o.ledger);
      set({ ...summary, status: 'done', done: final.scenarios.length, totals: final.totals, files });
      save(summary);
      ended();
      o.log.info('drill done', { drill: id, recovered: final.totals.recovered, scenarios: final.totals.scenarios });
      o.hub.publish({ kind: 'drill-end', drillId: id, ok: true, totals: final.totals });
    } catch (e) {
      const error = signal.aborted ? 'stopped with the service' : (e as Error).message;
      set({ ...summary, status: 'failed', error });
      save(summary);
      ended();
      o.log.error('drill failed', { drill: id, error, code: (e as { code?: string }).code });
      o.hub.publish({ kind: 'drill-end', drillId: id, ok: false, error });
    }
  }

  return {
    start(opts) {
      if (running !== undefined) throw serviceErrors.make('SERVICE_DRILL_BUSY', `drill ${running.summary.id} is running (${running.summary.done}/${running.summary.scenarios} scenarios done)`);
      const max = o.maxScenarios();
      if (!Number.isInteger(opts.scenarios) || opts.scenarios < 1 || opts.scenarios > max) {
        throw serviceErrors.make('SERVICE_DRILL_INVALID', `scenarios: ${opts.scenarios} is not a whole number from 1 to ${max} (drill.maxScenarios)`);
      }
      if (!Number.isSafeInteger(opts.seed) || opts.seed < 0) throw serviceErrors.make('SERVICE_DRILL_INVALID', `seed: ${opts.seed} is not a whole number of at least 0`);
      const id = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').toLowerCase()}-${randomBytes(2).toString('hex')}`;
      mkdirSync(join(root, id), { recursive: true });
      const summary: DrillSummary = { id, status: 'running', scenarios: opts.scenarios, seed: opts.seed, done: 0, startedAt: new Date().toISOString() };
      save(summary);
      const abort = new AbortController();
      running = { summary, abort, done: Promise.resolve() };
      o.log.info('drill started', { drill: id, scenarios: opts.scenarios, seed: opts.seed });
      const r = running;
      r.done = run(id, opts, abort.signal).catch((e: unknown) => {
        // Only the summary's own write can fail here (a full disk): the drill is over either way.
        o.log.error('drill summary not saved', { drill: id, error: (e as Error).message });
        if (running === r) running = undefined;
      });
      return summary;
    },
    list() {
      // The folder is bootmedic's own (<home>/drills); each entry's files are read through the guarded open.
      const ids = existsSync(root) ? readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && ID.test(d.name)).map((d) => d.name) : [];
      const out = ids.map((id) => (running?.summary.id === id ? running.summary : load(id))).filter((s): s is DrillSummary => s !== undefined);
      return out.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
    },
    get(id) {
      if (!ID.test(id)) return undefined;
      if (running?.summary.id === id) return running.summary;
      const s = load(id);
      if (s === undefined || s.files?.json === undefined) return s;
      const report = readJson(s.files.json, 'drill report', MAX_REPORT_BYTES) as DrillReport | undefined;
      return report === undefined ? s : { ...s, report };
    },
    async close() {
      const r = running;
      if (r === undefined) return;
      r.abort.abort();
      await r.done;
    },
  };
}
