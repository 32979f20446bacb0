// Real QEMU (TCG): the tiny guest boots to ready and powers off; a panic is reported over QMP.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { parseVmSpec } from '../src/config/index.ts';
import { createQemuHypervisor, type VmEvent } from '../src/hypervisor/index.ts';
import { app, runDir, skipWithoutTiny, waitFor } from './hypervisor-helpers.ts';
import { guestSource } from '../src/guest/index.ts';

const skip = skipWithoutTiny();
const hv = createQemuHypervisor(app, { guests: guestSource(app) });

test('tiny guest boots to its ready marker, then SHUTDOWN and a clean exit', { skip, timeout: 180_000 }, async () => {
  const dir = runDir('boot');
  const spec = parseVmSpec({ name: 'tiny', guest: 'tiny' }, 'test', dir);
  const vm = await hv.launch(spec, { runDir: dir, accel: 'tcg' });
  const events: VmEvent[] = [];
  let text = '';
  vm.onEvent((ev) => {
    events.push(ev);
    if (ev.type === 'console') text += Buffer.from(ev.chunk).toString('latin1');
  });
  try {
    const exit = await vm.exited;
    assert.match(text, /Linux version/);
    assert.match(text, /^bootmedic-ready\r?$/m);
    assert.equal(exit.code, 0);
    assert.equal(exit.error, undefined);
    const shutdown = events.find((e) => e.type === 'qmp' && e.event === 'SHUTDOWN');
    assert.deepEqual(shutdown && shutdown.type === 'qmp' ? shutdown.data : undefined, { guest: true, reason: 'guest-shutdown' });
    assert.equal(events.at(-1)?.type, 'exit');
    const times = events.map((e) => e.atMs);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
  } finally {
    await vm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('panic fault: GUEST_PANICKED (action pause), VM paused in guest-panicked, stop reaps it', { skip, timeout: 180_000 }, async () => {
  const dir = runDir('panic');
  const spec = parseVmSpec({ name: 'tiny', guest: 'tiny', append: 'bootmedic.fault=panic' }, 'test', dir);
  const vm = await hv.launch(spec, { runDir: dir, accel: 'tcg' });
  try {
    const { ev } = await waitFor(vm, (e) => (e.type === 'qmp' && e.event === 'GUEST_PANICKED') || e.type === 'exit');
    assert.equal(ev.type === 'qmp' ? ev.event : ev.type, 'GUEST_PANICKED');
    assert.deepEqual(ev.type === 'qmp' ? ev.data : undefined, { action: 'pause' });
    const status = (await vm.qmp('query-status')) as { status: string; running: boolean };
    assert.equal(status.status, 'guest-panicked');
    assert.equal(status.running, false);
    const exit = await vm.stop({ graceMs: 2000 });
    assert.equal(exit.error, undefined);
  } finally {
    await vm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
