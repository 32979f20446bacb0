// The cgroup QoS against a temporary folder standing in for the cgroup v2 root (this host's
// /sys/fs/cgroup is cgroup v1 with a v2 mount that offers hugetlb only; see probe below),
// and the reservations admission subtracts.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runToolSync } from '../core/index.ts';
import { cgroupPlan, placeInCgroup, probeCgroup } from './cgroup.ts';
import { createResourceGuard } from './guard.ts';
import { liveReservations, readHostMemory } from './host-memory.ts';

const temp = () => mkdtempSync(join(tmpdir(), 'bootmedic-cgroup-'));
const MiB = (n: number) => String(n * 1024 * 1024);

test('a guaranteed VM gets a high weight, a CPU quota of its own CPUs and its memory protected and capped', () => {
  assert.deepEqual(cgroupPlan({ name: 'g', memoryMiB: 512, cpus: 2, qos: 'guaranteed' }), [
    ['cpu.weight', '1000'],
    ['cpu.max', '200000 100000'],
    ['memory.min', MiB(768)],
    ['memory.max', MiB(768)],
  ]);
  assert.deepEqual(cgroupPlan({ name: 'g', memoryMiB: 512, cpus: 2, qos: 'guaranteed', limits: { cpus: 0.5, memoryMiB: 600 } }).slice(1), [
    ['cpu.max', '50000 100000'],
    ['memory.min', MiB(600)],
    ['memory.max', MiB(600)],
  ]);
});

test('a burstable VM keeps the default weight and only the limits it names', () => {
  assert.deepEqual(cgroupPlan({ name: 'b', memoryMiB: 512, cpus: 2, qos: 'burstable' }), [
    ['cpu.weight', '100'],
    ['cpu.max', 'max 100000'],
    ['memory.high', 'max'],
    ['memory.max', 'max'],
  ]);
  assert.deepEqual(cgroupPlan({ name: 'b', memoryMiB: 512, cpus: 2, qos: 'burstable', limits: { cpus: 1, memoryMiB: 400 } }), [
    ['cpu.weight', '100'],
    ['cpu.max', '100000 100000'],
    ['memory.high', MiB(400)],
    ['memory.max', MiB(656)],
  ]);
});

test('the probe says why cgroup QoS is not available: no cgroup v2 at the root, or no cpu/memory controllers', () => {
  const root = temp();
  try {
    const mounts = join(root, 'mounts');
    mkdirSync(join(root, 'unified'));
    writeFileSync(join(root, 'unified', 'cgroup.controllers'), 'hugetlb\n');
    writeFileSync(mounts, `cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\ncgroup2 ${join(root, 'unified')} cgroup2 rw 0 0\n`);
    const v1 = probeCgroup(root, mounts);
    assert.deepEqual(v1, { type: 'unavailable', why: `${root} is not a cgroup v2 hierarchy (no cgroup.controllers); cgroup v2 is mounted at ${join(root, 'unified')} (controllers: hugetlb)` });
    const only = probeCgroup(join(root, 'unified'), mounts);
    assert.equal(only.type === 'unavailable' && only.why, `cgroup v2 at ${join(root, 'unified')} offers controllers 'hugetlb', not cpu and memory (on this host they are bound to cgroup v1 hierarchies)`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('with cpu and memory offered, the probe enables them for bootmedic/ and a VM is placed: limits written, pid moved in', () => {
  const root = temp();
  try {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    assert.deepEqual(probeCgroup(root), { type: 'available', root, io: true });
    assert.equal(readFileSync(join(root, 'cgroup.subtree_control'), 'utf8'), '+cpu +memory +io');
    assert.equal(readFileSync(join(root, 'bootmedic', 'cgroup.subtree_control'), 'utf8'), '+cpu +memory +io');
    const placed = placeInCgroup(root, { name: 'web', memoryMiB: 256, cpus: 1, qos: 'guaranteed' }, 4242, ['254:0 riops=100 wiops=100']);
    assert.equal(placed.dir, join(root, 'bootmedic', 'web'));
    const read = (f: string) => readFileSync(join(placed.dir, f), 'utf8');
    assert.equal(read('cpu.weight'), '1000');
    assert.equal(read('cpu.max'), '100000 100000');
    assert.equal(read('memory.max'), MiB(512));
    assert.equal(read('io.max'), '254:0 riops=100 wiops=100');
    assert.equal(read('cgroup.procs'), '4242');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a limit the kernel refuses is RESOURCES_CGROUP_FAILED naming the file and the value', () => {
  const root = temp();
  try {
    // A folder where a control file should be makes the write fail, as a refused value does.
    mkdirSync(join(root, 'bootmedic', 'web', 'memory.max'), { recursive: true });
    assert.throws(() => placeInCgroup(root, { name: 'web', memoryMiB: 256, cpus: 1, qos: 'guaranteed' }, 1), (e: Error & { code?: string }) => e.code === 'RESOURCES_CGROUP_FAILED' && /memory\.max/.test(e.message) && /"536870912"/.test(e.message));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a launched VM leaves a reservation until it exits; a running guaranteed VM reserves what it has not touched yet', async () => {
  const home = temp();
  try {
    const meminfo = join(home, 'meminfo');
    writeFileSync(meminfo, 'MemTotal:       8000000 kB\nMemAvailable:    4096000 kB\n');
    const notices: string[] = [];
    const guard = createResourceGuard({ home, cgroupRoot: join(home, 'no-cgroup'), notice: (l) => notices.push(l) });
    // This test process stands in for QEMU: alive, with a known RSS.
    const release = guard.place({ name: 'g1', memoryMiB: 1 << 20, cpus: 1, qos: 'guaranteed' }, process.pid);
    assert.deepEqual(liveReservations(home).map((x) => x.r.vm), ['g1']);
    assert.match(notices[0] ?? '', /^QoS \(cgroup v2\) not available here: .*no-cgroup is not a cgroup v2 hierarchy/);
    const h = readHostMemory(home, 'other', { meminfo });
    assert.equal(h.availableMiB, 4000);
    assert.ok(h.reservedMiB > (1 << 20) - 4096 && h.reservedMiB < 1 << 20, String(h.reservedMiB));
    assert.equal(readHostMemory(home, 'g1', { meminfo }).reservedMiB, 0, 'a VM does not compete with its own reservation');
    await assert.rejects(guard.admit({ name: 'other', memoryMiB: 256, cpus: 1, qos: 'burstable' }), (e: Error & { code?: string }) => e.code === 'RESOURCES_ADMISSION_REFUSED' && /host has 0 MiB available/.test(e.message));
    release(); // QEMU exited
    assert.deepEqual(liveReservations(home), []);
    assert.ok(!existsSync(join(home, 'reservations', 'g1.json')));
    await guard.admit({ name: 'other', memoryMiB: 256, cpus: 1, qos: 'burstable' });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a FIFO or a torn file in the reservations folder reserves nothing and never blocks admission', () => {
  const home = temp();
  try {
    mkdirSync(join(home, 'reservations'));
    runToolSync('mkfifo', [join(home, 'reservations', 'fifo.json')]);
    writeFileSync(join(home, 'reservations', 'torn.json'), '{"vm":"torn","pid":');
    assert.deepEqual(liveReservations(home), []);
    const meminfo = join(home, 'meminfo');
    writeFileSync(meminfo, 'MemAvailable:    1048576 kB\n');
    assert.deepEqual(readHostMemory(home, 'x', { meminfo }), { availableMiB: 1024, reservedMiB: 0 });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
