// Real QEMU: bad input gives one typed error and leaves no process behind.
import assert from 'node:assert/strict';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseVmSpec } from '../src/config/index.ts';
import { isBootmedicError } from '../src/core/index.ts';
import { createQemuHypervisor, liveChildren } from '../src/hypervisor/index.ts';
import { alive, app, runDir, skipWithoutTiny, waitFor } from './hypervisor-helpers.ts';
import { guestSource } from '../src/guest/index.ts';

const skip = skipWithoutTiny();
const hv = createQemuHypervisor(app, { guests: guestSource(app) });

test('a bad QEMU argument: QEMU exits at once, HV_QEMU_BAD_ARG naming it, nothing left running', { skip, timeout: 60_000 }, async () => {
  const dir = runDir('badarg');
  const spec = parseVmSpec({ name: 'tiny', guest: 'tiny', qemuArgs: ['-no-such-option-xyz'] }, 'test', dir);
  await assert.rejects(hv.launch(spec, { runDir: dir, accel: 'tcg' }), (e) => isBootmedicError(e, 'HV_QEMU_BAD_ARG') && /-no-such-option-xyz/.test(e.message));
  assert.equal(liveChildren(), 0);
  rmSync(dir, { recursive: true, force: true });
});

test('a missing kernel: HV_KERNEL_MISSING before any process starts', async () => {
  const dir = runDir('nokernel');
  const spec = parseVmSpec({ name: 'vm', kernel: join(dir, 'no-such-vmlinuz') }, 'test', dir);
  await assert.rejects(hv.launch(spec, { runDir: dir, accel: 'tcg' }), (e) => isBootmedicError(e, 'HV_KERNEL_MISSING') && e.message.includes('no-such-vmlinuz'));
  const disk = parseVmSpec({ name: 'vm', disks: [{ path: join(dir, 'gone.qcow2') }] }, 'test', dir);
  await assert.rejects(hv.launch(disk, { runDir: dir, accel: 'tcg' }), (e) => isBootmedicError(e, 'HV_DISK_MISSING'));
  assert.equal(liveChildren(), 0);
  rmSync(dir, { recursive: true, force: true });
});

test('a QEMU whose QMP never appears: HV_QMP_TIMEOUT and the process is killed', { skip, timeout: 60_000 }, async () => {
  const dir = runDir('qmptimeout');
  // Stands in for a wedged QEMU: it runs, but never opens its QMP socket.
  const fake = join(dir, 'wedged-qemu');
  writeFileSync(fake, '#!/bin/sh\nexec sleep 120\n');
  chmodSync(fake, 0o755);
  const wedged = createQemuHypervisor(app, { guests: guestSource(app), qemuBinary: fake });
  const spec = parseVmSpec({ name: 'tiny', guest: 'tiny' }, 'test', dir);
  await assert.rejects(wedged.launch(spec, { runDir: dir, accel: 'tcg', qmpTimeoutMs: 1500 }), (e) => isBootmedicError(e, 'HV_QMP_TIMEOUT'));
  assert.equal(liveChildren(), 0);
  rmSync(dir, { recursive: true, force: true });
});

test('abort (Ctrl-C) while the guest runs: QEMU is gone and reaped', { skip, timeout: 120_000 }, async () => {
  const dir = runDir('abort');
  const ac = new AbortController();
  const spec = parseVmSpec({ name: 'tiny', guest: 'tiny', append: 'bootmedic.fault=hang' }, 'test', dir);
  const vm = await hv.launch(spec, { runDir: dir, accel: 'tcg', signal: ac.signal });
  await waitFor(vm, (_e, text) => text.includes('Linux version'));
  ac.abort();
  const exit = await vm.exited;
  assert.equal(exit.error, undefined);
  assert.equal(alive(vm.pid), false);
  assert.equal(liveChildren(), 0);
  rmSync(dir, { recursive: true, force: true });
});
