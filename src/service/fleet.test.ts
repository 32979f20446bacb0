import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BootOutcome } from '../supervisor/index.ts';
import type { StoredBoot } from '../store/index.ts';
import type { ServiceEvent } from './events.ts';
import { admissionState, orderFleet, reduceVm, seedVm, TREND_LENGTH, type VmView } from './fleet.ts';
import { createHub } from './hub.ts';

const outcome = (vm: string, bootId: string, status: BootOutcome['status'], durationMs: number, cause = status === 'ready' ? 'ready-signal' : 'kernel-panic') =>
  ({ bootId, vm, status, cause, reason: `${status} reason`, startedAt: '2026-12-07T03:00:00.000Z', durationMs }) as unknown as BootOutcome;
const stored = (id: string, status: string, durationMs: number): StoredBoot => ({
  id, vm: 'a', imageKey: 'k', startedAt: `2026-12-0${id.length}T00:00:00Z`, status, phase: 'userspace', reason: 'r', accel: 'tcg', durationMs, timeline: [], record: { cause: status === 'ready' ? 'ready-signal' : 'kernel-panic' },
});

/** A fleet built the way the service builds it: seeds folded with every event the hub delivers. */
function fleetFrom(seeds: VmView[], events: ServiceEvent[]) {
  const hub = createHub();
  const views = new Map(seeds.map((s) => [s.name, s] as const));
  hub.subscribe(({ event }) => {
    for (const [n, v] of views) views.set(n, reduceVm(v, event));
  });
  for (const e of events) hub.publish(e);
  return { views, fleet: orderFleet(views.values()) };
}

test('a seed carries the store history: last verdict with its cause, the ready-boot trend oldest first, the open incident', () => {
  const good = Array.from({ length: 25 }, (_, i) => stored(`g${i}`, 'ready', 1000 + i)).reverse(); // newest first, like goodBoots
  const v = seedVm({ name: 'a', heal: true, recent: stored('f1', 'failed', 500), good, openIncident: 'inc-1' });
  assert.equal(v.state, 'starting');
  assert.deepEqual(v.lastVerdict, { bootId: 'f1', status: 'failed', cause: 'kernel-panic', reason: 'r', startedAt: '2026-12-02T00:00:00Z', durationMs: 500 });
  assert.equal(v.openIncident, 'inc-1');
  assert.equal(v.bootTrend.length, TREND_LENGTH);
  assert.deepEqual(v.bootTrend.slice(-2), [1023, 1024], 'the newest boots end the trend');
  assert.equal(seedVm({ name: 'a', heal: true, recent: stored('x', 'interrupted', 1) }).lastVerdict, undefined, 'an interruption is no verdict');
});

test('boot and heal events move a VM through booting, failed, healing and ready; the trend grows with ready boots', () => {
  const seeds = ['web', 'db', 'api', 'cache'].map((name) => seedVm({ name, heal: name !== 'db' }));
  const boot = (vm: string, event: object): ServiceEvent => ({ kind: 'boot', vm, event }) as ServiceEvent;
  const heal = (vm: string, event: object): ServiceEvent => ({ kind: 'heal', vm, event }) as ServiceEvent;
  const { views, fleet } = fleetFrom(seeds, [
    boot('web', { type: 'boot-start', vm: 'web', bootId: 'w1', accel: 'tcg', accelReason: '', atMs: 0 }),
    boot('web', { type: 'verdict', vm: 'web', bootId: 'w1', status: 'failed', reason: 'kernel panic', atMs: 5, detectedAt: 5 }),
    boot('web', { type: 'outcome', outcome: outcome('web', 'w1', 'failed', 5000) }),
    heal('web', { type: 'incident-opened', incidentId: 'i1', vm: 'web', detectedAt: 1 }),
    boot('web', { type: 'vm-exit', vm: 'web', reason: 'stopped by bootmedic' }),
    boot('web', { type: 'boot-start', vm: 'web', bootId: 'w2', accel: 'tcg', accelReason: '', atMs: 0 }),
    boot('web', { type: 'verdict', vm: 'web', bootId: 'w2', status: 'ready', reason: 'marker', atMs: 7, detectedAt: 7 }),
    boot('web', { type: 'outcome', outcome: outcome('web', 'w2', 'ready', 7000) }),
    heal('web', { type: 'incident-closed', incidentId: 'i1', status: 'recovered', mttrMs: 9000, fixedBy: 'more-memory' }),
    boot('db', { type: 'boot-start', vm: 'db', bootId: 'd1', accel: 'tcg', accelReason: '', atMs: 0 }),
    boot('db', { type: 'verdict', vm: 'db', bootId: 'd1', status: 'stalled', reason: 'no output', atMs: 60, detectedAt: 60 }),
    boot('db', { type: 'vm-exit', vm: 'db', reason: 'stopped by bootmedic' }),
    boot('api', { type: 'boot-start', vm: 'api', bootId: 'a1', accel: 'tcg', accelReason: '', atMs: 0 }),
    boot('api', { type: 'verdict', vm: 'api', bootId: 'a1', status: 'failed', reason: 'panic', atMs: 3, detectedAt: 3 }),
    heal('api', { type: 'incident-opened', incidentId: 'i2', vm: 'api', detectedAt: 1 }),
    heal('api', { type: 'hand-over', incidentId: 'i2', reason: 'no remedy left' }),
    heal('api', { type: 'incident-closed', incidentId: 'i2', status: 'handed-over' }),
    boot('cache', { type: 'boot-start', vm: 'cache', bootId: 'c1', accel: 'tcg', accelReason: '', atMs: 0 }),
    { kind: 'console', vm: 'cache', bootId: 'c1', line: 1, text: 'hello', atMs: 1 },
    { kind: 'ledger', size: 3 },
  ]);
  const web = views.get('web')!;
  assert.equal(web.state, 'ready', 'a recovered incident leaves the VM ready');
  assert.equal(web.openIncident, undefined);
  assert.equal(web.lastVerdict?.bootId, 'w2');
  assert.deepEqual(web.bootTrend, [7000]);
  assert.equal(views.get('db')!.state, 'stalled', 'a stalled VM stays stalled when its QEMU is stopped');
  assert.equal(views.get('api')!.state, 'handed-over');
  assert.equal(views.get('cache')!.state, 'booting');
  // Failed ones first (db stalled, api handed over), then by name.
  assert.deepEqual(fleet.map((v) => v.name), ['api', 'db', 'cache', 'web']);
});

test('while an incident runs, its verification boots do not move the VM out of healing; a vm-state event sets the state', () => {
  let v = seedVm({ name: 'x', heal: true });
  v = reduceVm(v, { kind: 'heal', vm: 'x', event: { type: 'incident-resumed', incidentId: 'i9', vm: 'x', completedSteps: 1 } });
  assert.equal(v.state, 'healing');
  assert.equal(v.openIncident, 'i9');
  v = reduceVm(v, { kind: 'boot', vm: 'x', event: { type: 'verdict', vm: 'x', bootId: 'b', status: 'failed', reason: 'again', atMs: 1, detectedAt: 1 } });
  v = reduceVm(v, { kind: 'boot', vm: 'x', event: { type: 'vm-exit', vm: 'x', reason: 'stopped' } });
  assert.equal(v.state, 'healing');
  v = reduceVm(v, { kind: 'boot', vm: 'other', event: { type: 'boot-start', vm: 'other', bootId: 'o', accel: 'tcg', accelReason: '', atMs: 0 } });
  assert.equal(v.state, 'healing', 'events of another VM leave it alone');
  v = reduceVm(v, { kind: 'vm-state', vm: 'x', state: 'stopped', reason: 'removed' });
  assert.deepEqual([v.state, v.reason], ['stopped', 'removed']);
  const ready = reduceVm(reduceVm(seedVm({ name: 'y', heal: false }), { kind: 'boot', vm: 'y', event: { type: 'verdict', vm: 'y', bootId: 'b', status: 'ready', reason: 'm', atMs: 1, detectedAt: 1 } }), { kind: 'boot', vm: 'y', event: { type: 'vm-exit', vm: 'y', reason: 'QEMU exited (0)' } });
  assert.deepEqual([ready.state, ready.reason], ['stopped', 'QEMU exited (0)'], 'a ready VM that powers off is stopped');
});

test('a boot waiting in the admission queue shows as queued with its place and figures, starting once admitted; an incident keeps its state', () => {
  const v = seedVm({ name: 'big', heal: true });
  const q = admissionState(v, { type: 'queued', vm: 'big', position: 2, ahead: ['a'], reason: 'VM big needs 4096 MiB + 256 MiB headroom, host has 3100 MiB available', waitedMs: 0 });
  assert.deepEqual(q, { state: 'queued', reason: 'waiting for memory, place 2 in the admission queue: VM big needs 4096 MiB + 256 MiB headroom, host has 3100 MiB available' });
  const { views, fleet } = fleetFrom([v, seedVm({ name: 'a', heal: true })], [{ kind: 'vm-state', vm: 'big', ...q! }, { kind: 'vm-state', vm: 'a', state: 'booting' }]);
  assert.equal(views.get('big')?.state, 'queued');
  assert.deepEqual(fleet.map((x) => x.name), ['big', 'a'], 'queued VMs are listed with those that need attention soon');
  assert.deepEqual(admissionState(views.get('big')!, { type: 'admitted', vm: 'big', waitedMs: 61_400 }), { state: 'starting', reason: 'admitted after 61 s in the admission queue' });
  assert.equal(admissionState(v, { type: 'admitted', vm: 'big', waitedMs: 0 }), undefined, 'admitted without having been shown queued: nothing to change');
  assert.equal(admissionState({ ...v, state: 'healing' }, { type: 'queued', vm: 'big', position: 1, ahead: [], reason: 'r', waitedMs: 0 }), undefined);
  assert.equal(admissionState(v, { type: 'refused', vm: 'big', reason: 'r', waitedMs: 1 }), undefined, "the boot's error reports a refusal");
});
