// The service's drills: validation, one at a time, progress on the hub, summaries that a
// restarted service still lists (a real one-scenario drill on the tiny guest), and the
// listing of reports `bootmedic drill` wrote or a dead service left running.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveAppConfig } from '../config/index.ts';
import { isBootmedicError } from '../core/index.ts';
import { createDrillRunner } from './drills.ts';
import { createHub } from './hub.ts';
import { createService, parseServiceConfig, silentLogger, type ServiceEvent } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'bm-svc-drill-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const code = (c: string, exit: string) => (e: unknown) => isBootmedicError(e) && e.code === c && e.exitClass === exit;

test('listing: a drill a dead service left running is failed; a report `bootmedic drill` wrote is listed; odd ids find nothing', () => {
  const home = join(dir, 'list-home');
  mkdirSync(join(home, 'drills', '20261207t010000-aaaa'), { recursive: true });
  writeFileSync(join(home, 'drills', '20261207t010000-aaaa', 'service-drill.json'), JSON.stringify({ id: '20261207t010000-aaaa', status: 'running', scenarios: 3, seed: 1, done: 1, startedAt: '2026-12-07T01:00:00Z' }));
  mkdirSync(join(home, 'drills', '20261207t020000-bbbb'), { recursive: true });
  writeFileSync(join(home, 'drills', '20261207t020000-bbbb', 'report.json'), JSON.stringify({ id: 'bbbb', seed: 5, startedAt: '2026-12-07T02:00:00Z', scenarios: [{}, {}], totals: { scenarios: 2 } }));
  mkdirSync(join(home, 'drills', 'empty'), { recursive: true });
  const runner = createDrillRunner({ app: resolveAppConfig({ home }), deps: {} as never, ledger: {} as never, incidents: {} as never, hub: createHub(), log: silentLogger, maxScenarios: () => 5 });
  const list = runner.list();
  assert.deepEqual(list.map((d) => [d.id, d.status, d.scenarios]), [['20261207t020000-bbbb', 'done', 2], ['20261207t010000-aaaa', 'failed', 3]]);
  assert.match(list[1]!.error ?? '', /stopped before the drill ended/);
  assert.equal(runner.get('20261207t020000-bbbb')?.report?.seed, 5);
  for (const id of ['..', '../list-home', 'a/b', '']) assert.equal(runner.get(id), undefined, id);
  assert.throws(() => runner.start({ scenarios: 6, seed: 1 }), code('SERVICE_DRILL_INVALID', 'input'));
  assert.throws(() => runner.start({ scenarios: 1, seed: -1 }), code('SERVICE_DRILL_INVALID', 'input'));
});

test('a drill runs in the background with progress on the hub, a second is refused, and a restarted service lists it done', { timeout: 900_000 }, async () => {
  const home = join(dir, 'run-home');
  const app = resolveAppConfig({ home });
  const config = parseServiceConfig({ drill: { maxScenarios: 2 } }, { where: 'test', baseDir: dir, home });
  const s = await createService(app, config);
  const events: ServiceEvent[] = [];
  let id = '';
  try {
    s.hub.subscribe(({ event }) => void events.push(event));
    const end = new Promise<ServiceEvent>((resolve) => s.hub.subscribe(({ event }) => event.kind === 'drill-end' && resolve(event)));
    const d = s.startDrill({ scenarios: 1, seed: 3 });
    id = d.id;
    assert.equal(d.status, 'running');
    assert.throws(() => s.startDrill({ scenarios: 1, seed: 4 }), code('SERVICE_DRILL_BUSY', 'busy'));
    assert.equal(s.drills()[0]?.status, 'running');
    const e = await end;
    assert.ok(e.kind === 'drill-end' && e.ok && e.drillId === id, JSON.stringify(e));
    assert.ok(events.some((x) => x.kind === 'drill' && x.drillId === id && x.progress.phase === 'scenario'), 'progress was published');
    assert.ok(events.some((x) => x.kind === 'ledger'), 'the drill summary grew the ledger');
    const done = s.drill(id);
    assert.equal(done?.status, 'done');
    assert.equal(done?.report?.scenarios.length, 1);
    for (const f of Object.values(done?.files ?? {})) assert.ok(existsSync(f), f);
  } finally {
    await s.close();
  }
  const again = await createService(app, config);
  let stopped = '';
  try {
    const listed = again.drills().find((d) => d.id === id);
    assert.deepEqual([listed?.status, listed?.scenarios, listed?.seed, listed?.totals?.scenarios], ['done', 1, 3, 1]);
    // close() stops a running drill and waits for it; it is listed as failed, with why.
    stopped = again.startDrill({ scenarios: 1, seed: 9 }).id;
  } finally {
    await again.close();
  }
  const third = await createService(app, config);
  try {
    const d = third.drill(stopped);
    assert.deepEqual([d?.status, d?.error], ['failed', 'stopped with the service']);
    assert.deepEqual(third.drills().map((x) => x.id).sort(), [id, stopped].sort());
  } finally {
    await third.close();
  }
});
