// Logic tests of the real HealTarget with recorded tiny-guest boots replayed through a fake
// hypervisor: last-good recording, what changed, each configuration remedy, a launch error
// turned into a failed boot, forensic copies and the hand-over report. test/drill.test.ts
// proves the same target on real QEMU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVmSpec, resolveAppConfig } from '../config/index.ts';
import { defaultRemedies, type Remedy } from '../heal/index.ts';
import { hvErrors, type Hypervisor } from '../hypervisor/index.ts';
import { openStore } from '../store/index.ts';
import { lockVm } from '../supervisor/index.ts';
import { createReplayVm, loadRecording } from '../../testkit/index.ts';
import { createQemuHealTarget, loadLastGood } from './index.ts';

function hv(script: string[]): Hypervisor & { launched: { memoryMiB: number; append?: string; accel: string }[] } {
  const launched: { memoryMiB: number; append?: string; accel: string }[] = [];
  return {
    launched,
    probeAccel: async () => ({ accel: 'tcg', reason: 'replay' }),
    async launch(spec) {
      launched.push({ memoryMiB: spec.memoryMiB, accel: spec.accel, ...(spec.append !== undefined ? { append: spec.append } : {}) });
      const name = script[Math.min(launched.length - 1, script.length - 1)]!;
      if (name === 'missing') throw hvErrors.make('HV_KERNEL_MISSING', 'kernel /nowhere/vmlinuz: no such file');
      const vm = createReplayVm(loadRecording(name));
      setImmediate(() => void vm.play());
      return vm;
    },
  };
}
const remedy = (id: string): Remedy => defaultRemedies().remedies.find((r) => r.id === id)!;

async function withTarget(script: string[], fn: (t: ReturnType<typeof createQemuHealTarget>, h: ReturnType<typeof hv>, home: string) => Promise<void>) {
  const home = mkdtempSync(join(tmpdir(), 'bm-rec-'));
  const store = openStore({ home });
  try {
    const h = hv(script);
    const spec = parseVmSpec({ name: 'vm1', guest: 'tiny', accel: 'tcg', memoryMiB: 256 }, 'test', '/');
    const t = createQemuHealTarget({ spec, app: resolveAppConfig({ home }), deps: { hypervisor: h, home, store }, simulate: (_s, n) => (n === 2 ? 'bootmedic.fault=x' : undefined) });
    try {
      await fn(t, h, home);
    } finally {
      t.close();
    }
  } finally {
    store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

test('a ready boot becomes the last good configuration; a changed memory size shows and is reverted', () =>
  withTarget(['good', 'good'], async (t, h, home) => {
    assert.equal((await t.boot()).status, 'ready');
    assert.equal(loadLastGood(home, 'vm1')?.spec['memoryMiB'], 256);
    await t.apply(remedy('more-memory'), { incidentId: 'i', seq: 1, attempt: 1 });
    assert.equal(t.spec().memoryMiB, 512);
    // A restart resumes on the configuration the remedy left, not on the VM file.
    const again = createQemuHealTarget({ spec: parseVmSpec({ name: 'vm1', guest: 'tiny', accel: 'tcg' }, 'test', '/'), app: resolveAppConfig({ home }), deps: { hypervisor: h, home }, resume: true });
    assert.equal(again.spec().memoryMiB, 512);
    const ctx = await t.context();
    assert.deepEqual(ctx.changed, ['memory']);
    assert.equal(ctx.hasLastGood, true);
    await t.apply(remedy('revert-config'), { incidentId: 'i', seq: 2, attempt: 1 });
    assert.equal(t.spec().memoryMiB, 256);
    assert.deepEqual((await t.context()).changed, []);
    // The simulated guest defect is added at launch only (boot 2), never to the configuration.
    await t.boot();
    assert.equal(h.launched[1]!.append, 'bootmedic.fault=x');
    assert.equal(t.spec().append, undefined);
  }));

test('switch-accel and a launch error: QEMU that never started is a failed boot with its error as stderr', () =>
  withTarget(['missing'], async (t) => {
    await t.apply(remedy('switch-accel'), { incidentId: 'i', seq: 1, attempt: 1 });
    assert.equal(t.spec().accel, 'tcg');
    const r = await t.bootAndWait();
    assert.equal(r.status, 'failed');
    assert.match(t.lastOutcome()!.qemu.stderr, /HV_KERNEL_MISSING/);
    assert.equal(r.evidence?.phase, 'none');
    assert.equal((await t.context()).lastVerdict, 'failed');
  }));

test('a failed boot keeps forensic copies and a hand-over report', () =>
  withTarget(['panic'], async (t, _h, home) => {
    const r = await t.bootAndWait();
    assert.equal(r.status, 'failed');
    const dir = await t.snapshotForForensics({ incidentId: 'inc1', seq: 1 });
    assert.ok(existsSync(join(dir, 'vm.json')) && existsSync(join(dir, 'console.log')));
    await t.handOver({ incidentId: 'inc1', vm: 'vm1', reason: 'no applicable remedy left', diagnosis: { causes: [], explanation: { summary: 'a kernel bug' } } as never, posterior: [{ cause: 'guest-kernel-bug', probability: 0.9 }], steps: [], forensicSnapshots: [dir] });
    const md = readFileSync(join(home, 'incidents', 'inc1', 'hand-over.md'), 'utf8');
    assert.ok(md.includes('guest-kernel-bug: 90.0%') && md.includes(dir));
    await assert.rejects(t.apply(remedy('revert-config'), { incidentId: 'inc1', seq: 2, attempt: 1 }), /RECOVERY_NO_LAST_GOOD|no recorded good boot/);
  }));

test('a torn healing.json stops a resume with the file named, instead of silently healing the unhealed configuration', () =>
  withTarget(['good'], async (t, h, home) => {
    await t.apply(remedy('more-memory'), { incidentId: 'i', seq: 1, attempt: 1 });
    const path = join(home, 'vms', 'vm1', 'healing.json');
    const whole = readFileSync(path, 'utf8');
    assert.equal(JSON.parse(whole).memoryMiB, 512, 'the remedy left its configuration');
    writeFileSync(path, whole.slice(0, Math.floor(whole.length / 2)));
    const resume = () => createQemuHealTarget({ spec: parseVmSpec({ name: 'vm1', guest: 'tiny', accel: 'tcg' }, 'test', '/'), app: resolveAppConfig({ home }), deps: { hypervisor: h, home }, resume: true });
    assert.throws(resume, (e: Error & { code?: string }) => e.code === 'RECOVERY_STATE_DAMAGED' && e.message.includes(path));
    // A valid JSON of the wrong shape is damage too.
    writeFileSync(path, '{"memoryMiB": "lots"}');
    assert.throws(resume, (e: Error & { code?: string }) => e.code === 'RECOVERY_STATE_DAMAGED');
  }));

test('a damaged last-good.json is reported by name, not read as "no good boot recorded"', () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-rec-'));
  try {
    mkdirSync(join(home, 'vms', 'vm1'), { recursive: true });
    const path = join(home, 'vms', 'vm1', 'last-good.json');
    writeFileSync(path, '{"at": "2026-01-01", "spec": {');
    assert.throws(() => loadLastGood(home, 'vm1'), (e: Error & { code?: string }) => e.code === 'RECOVERY_STATE_DAMAGED' && e.message.includes(path));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('the heal target holds the VM between its boots and remedies: no other driver gets it until close()', () =>
  withTarget(['panic', 'good'], async (t, _h, home) => {
    await t.bootAndWait();
    assert.throws(() => lockVm(home, 'vm1'), (e: Error & { code?: string }) => e.code === 'SUPERVISOR_VM_BUSY');
    await t.apply(remedy('more-memory'), { incidentId: 'i', seq: 1, attempt: 1 });
    assert.equal((await t.bootAndWait()).status, 'ready');
    t.close();
    const l = lockVm(home, 'vm1');
    l.release();
  }));

test('the more-memory heal asks admission: with the host short it is not planned (context) and, applied anyway, refused with the figures', async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-rec-'));
  try {
    const spec = parseVmSpec({ name: 'vm1', guest: 'tiny', accel: 'tcg', memoryMiB: 256 }, 'test', '/');
    const short = createQemuHealTarget({ spec, app: resolveAppConfig({ home }), deps: { hypervisor: hv(['good']), home }, hostMemory: () => ({ availableMiB: 600, reservedMiB: 0 }) });
    try {
      assert.equal((await short.context()).maxMemoryMiB, 344, 'what fits: 600 MiB available less 256 MiB headroom');
      await short.apply(remedy('more-memory'), { incidentId: 'i', seq: 1, attempt: 1 });
      assert.equal(short.spec().memoryMiB, 344, 'capped at what admission lets boot');
    } finally {
      short.close();
    }
    const none = createQemuHealTarget({ spec, app: resolveAppConfig({ home }), deps: { hypervisor: hv(['good']), home }, hostMemory: () => ({ availableMiB: 400, reservedMiB: 0 }) });
    try {
      assert.equal((await none.context()).maxMemoryMiB, 256, 'nothing above its own size: "more memory" is not offered');
      await assert.rejects(none.apply(remedy('more-memory'), { incidentId: 'i', seq: 2, attempt: 1 }), (e: Error & { code?: string }) =>
        e.code === 'RECOVERY_NO_MEMORY' && e.message === 'more memory for VM vm1: 512 MiB wanted (it has 256 MiB) needs 512 MiB + 256 MiB headroom, host has 400 MiB available');
      assert.equal(none.spec().memoryMiB, 256);
    } finally {
      none.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
