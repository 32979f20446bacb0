// Real host, real QEMU, real cgroup v1: on a host whose cpu, memory and blkio controllers are
// cgroup v1 hierarchies (the development machine), a guaranteed tiny VM's QEMU is in
// /sys/fs/cgroup/{cpu,memory,blkio}/bootmedic/<vm> with its class's values before its CPUs
// start, and the groups are gone once it has exited. Skipped, with the reason, on a host
// without writable cgroup v1 hierarchies under /sys/fs/cgroup.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseVmSpec, resolveAppConfig } from '../src/config/index.ts';
import { runTool } from '../src/core/index.ts';
import { guestSource } from '../src/guest/index.ts';
import { createQemuHypervisor, liveChildren } from '../src/hypervisor/index.ts';
import { probeCgroup } from '../src/resources/index.ts';
import { skipWithoutTiny } from './hypervisor-helpers.ts';

const ROOT = '/sys/fs/cgroup';
const BIN = fileURLToPath(new URL('../bin/bootmedic.js', import.meta.url));
const probe = probeCgroup(ROOT);
const skip = skipWithoutTiny() || (probe.type === 'v1' ? false : `this host has no writable cgroup v1 cpu and memory hierarchies under ${ROOT} (${probe.type === 'v2' ? 'it has cgroup v2' : probe.why}); skipping`);
const MiB = (n: number) => String(n * 1024 * 1024);
const group = (controller: string, vm: string) => join(ROOT, controller, 'bootmedic', vm);
const read = (controller: string, vm: string, file: string) => readFileSync(join(group(controller, vm), file), 'utf8').trim();

test('real QEMU under cgroup v1: a guaranteed VM\'s pid is in bootmedic/<vm> of cpu, memory and blkio with its shares, quota, memory limit and throttle before its CPUs start; the groups go when it exits', { skip, timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-cg1-'));
  const name = `bmtest-cg1-${process.pid}`;
  try {
    const app = { ...resolveAppConfig({ home: dir }), cgroupRoot: ROOT };
    const notices: string[] = [];
    const hv = createQemuHypervisor(app, { guests: guestSource(app), notice: (l) => notices.push(l) });
    const spec = parseVmSpec({ name, guest: 'tiny', accel: 'tcg', memoryMiB: 128, cpus: 1, qos: 'guaranteed', limits: { iops: 300 } }, 'test', dir);
    const vm = await hv.launch(spec, { runDir: join(dir, 'run'), accel: 'tcg' });
    try {
      // tasks lists thread ids: QEMU's main thread has its pid, and cgroup.procs moved every thread.
      for (const c of ['cpu', 'memory', 'blkio']) assert.ok(read(c, name, 'tasks').split('\n').includes(String(vm.pid)), `${c}: QEMU ${vm.pid} in ${group(c, name)}/tasks`);
      assert.ok(read('cpu', name, 'tasks').split('\n').length > 1, 'all of QEMU\'s threads moved, not only the main one');
      assert.match(readFileSync(`/proc/${vm.pid}/cgroup`, 'utf8'), new RegExp(`^\\d+:cpu:/bootmedic/${name}$`, 'm'), 'the kernel agrees');
      assert.equal(read('cpu', name, 'cpu.shares'), '10240');
      assert.equal(read('cpu', name, 'cpu.cfs_period_us'), '100000');
      assert.equal(read('cpu', name, 'cpu.cfs_quota_us'), '100000', 'one CPU: its own vCPU');
      assert.ok(Number(readFileSync(join(ROOT, 'cpu', 'bootmedic', 'cpu.shares'), 'utf8')) >= 10240, 'bootmedic/ weighs at least what this VM does');
      assert.equal(read('memory', name, 'memory.limit_in_bytes'), MiB(128 + 256));
      assert.equal(read('memory', name, 'memory.soft_limit_in_bytes'), MiB(128 + 256));
      assert.match(read('blkio', name, 'blkio.throttle.read_iops_device'), /^\d+:\d+ 300$/m, 'the disk under the run folder is throttled');
      assert.deepEqual(notices.filter((l) => /not available/.test(l)), []);
      assert.match(notices.join('\n'), /QoS under cgroup v1 .*v1 has no memory\.min/);
    } finally {
      await vm.stop();
    }
    await new Promise((r) => setImmediate(r));
    for (const c of ['cpu', 'memory', 'blkio']) assert.equal(existsSync(group(c, name)), false, `${group(c, name)} removed after QEMU exited`);
    assert.equal(liveChildren(), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bootmedic boot of a guaranteed tiny VM on a cgroup v1 host: ready, QoS applied (no "not available" line), its groups gone after', { skip, timeout: 180_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-cg1-cli-'));
  const name = `bmtest-cg1cli-${process.pid}`;
  try {
    const file = join(home, 'vm.yaml');
    writeFileSync(file, `name: ${name}\nguest: tiny\nmemoryMiB: 128\nqos: guaranteed\naccel: tcg\nready: { type: marker, text: bootmedic-ready }\nstall: { defaultSeconds: 300, floorSeconds: 5, factor: 2, percentile: 95 }\n`);
    // A child process: the CLI's notices go to the process's own stderr. The default cgroup root (/sys/fs/cgroup).
    const r = await runTool(process.execPath, [BIN, '--home', home, 'boot', file], { check: false, timeoutMs: 170_000, what: 'bootmedic boot (guaranteed, cgroup v1)' });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /not available/);
    assert.match(r.stderr, /^bootmedic: QoS under cgroup v1 \(\/sys\/fs\/cgroup\/cpu, \/sys\/fs\/cgroup\/memory\): v1 has no memory\.min/m);
    for (const c of ['cpu', 'memory']) assert.equal(existsSync(group(c, name)), false);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
