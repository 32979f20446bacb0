// Real host, real QEMU launch path: a tiny VM asking for more memory than this host has
// available is refused before QEMU starts, with the figures in the message; the same launch
// path with memory that fits does start the binary (so "not started" is observable).
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseVmSpec, resolveAppConfig } from '../src/config/index.ts';
import { isBootmedicError } from '../src/core/index.ts';
import { guestSource } from '../src/guest/index.ts';
import { createQemuHypervisor, liveChildren } from '../src/hypervisor/index.ts';
import { parseMemAvailableMiB } from '../src/resources/index.ts';
import { runCli } from '../testkit/index.ts';
import { skipWithoutTiny } from './hypervisor-helpers.ts';

const skip = skipWithoutTiny();
const availableMiB = () => parseMemAvailableMiB(readFileSync('/proc/meminfo', 'utf8'));

test('bootmedic boot of a tiny VM larger than the host can hold: exit 75 (busy), the figures in one line, no QEMU, no boot record', { skip, timeout: 60_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-admission-'));
  try {
    const memoryMiB = Math.min(1048576, availableMiB() + 2048);
    const vm = join(home, 'big.yaml');
    writeFileSync(vm, `name: big\nguest: tiny\nmemoryMiB: ${memoryMiB}\naccel: tcg\n`);
    const r = await runCli(['--home', home, 'boot', vm]);
    assert.equal(r.code, 75, r.stderr);
    assert.match(r.stderr, new RegExp(`^bootmedic: VM big needs ${memoryMiB} MiB \\+ 256 MiB headroom, host has \\d+ MiB available; QEMU was not started`));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(liveChildren(), 0);
    assert.equal(existsSync(join(home, 'boots')), false, 'no boot was opened');
    assert.equal(existsSync(join(home, 'reservations', 'big.json')), false);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('the QEMU launch path refuses before spawning: a stand-in QEMU binary never runs for the big VM, and does for one that fits', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-admission-'));
  try {
    const ran = join(dir, 'qemu-ran');
    const fake = join(dir, 'fake-qemu');
    writeFileSync(fake, `#!/bin/sh\necho "$@" > '${ran}'\nexit 1\n`);
    chmodSync(fake, 0o755);
    const app = { ...resolveAppConfig(), home: dir };
    const hv = createQemuHypervisor(app, { guests: guestSource(app), qemuBinary: fake });
    const big = parseVmSpec({ name: 'big', guest: 'tiny', accel: 'tcg', memoryMiB: Math.min(1048576, availableMiB() + 2048) }, 'test', dir);
    await assert.rejects(hv.launch(big, { runDir: join(dir, 'big'), accel: 'tcg' }), (e) => isBootmedicError(e, 'RESOURCES_ADMISSION_REFUSED') && /host has \d+ MiB available/.test(e.message));
    assert.equal(existsSync(ran), false, 'QEMU was never started');
    assert.equal(existsSync(join(dir, 'big', 'disk0.qcow2')), false, 'nothing was made for the refused boot');
    const small = parseVmSpec({ name: 'small', guest: 'tiny', accel: 'tcg', memoryMiB: 64 }, 'test', dir);
    await assert.rejects(hv.launch(small, { runDir: join(dir, 'small'), accel: 'tcg', qmpTimeoutMs: 5000 }));
    assert.match(readFileSync(ran, 'utf8'), /-m 64 /, 'the stand-in ran for the VM that fits');
    assert.equal(liveChildren(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('real QEMU, QoS placement before the CPUs start: a guaranteed VM\'s pid and limits land in its cgroup (a temporary folder standing in for the cgroup v2 root), its reservation lives until QEMU exits', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-qos-'));
  try {
    const root = join(dir, 'cgroup');
    mkdirSync(root);
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory\n');
    const app = { ...resolveAppConfig(), home: dir, cgroupRoot: root };
    const hv = createQemuHypervisor(app, { guests: guestSource(app) });
    const spec = parseVmSpec({ name: 'qos', guest: 'tiny', accel: 'tcg', memoryMiB: 128, qos: 'guaranteed', limits: { iops: 300 } }, 'test', dir);
    const vm = await hv.launch(spec, { runDir: join(dir, 'run'), accel: 'tcg' });
    try {
      const cg = join(root, 'bootmedic', 'qos');
      assert.equal(readFileSync(join(cg, 'cgroup.procs'), 'utf8'), String(vm.pid));
      assert.equal(readFileSync(join(cg, 'cpu.weight'), 'utf8'), '1000');
      assert.equal(readFileSync(join(cg, 'memory.max'), 'utf8'), String((128 + 256) * 1024 * 1024));
      assert.equal(JSON.parse(readFileSync(join(dir, 'reservations', 'qos.json'), 'utf8')).pid, vm.pid);
    } finally {
      await vm.stop();
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(existsSync(join(dir, 'reservations', 'qos.json')), false, 'the reservation ends with QEMU');
    assert.equal(liveChildren(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
