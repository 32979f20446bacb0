// The cgroup QoS against temporary folders standing in for a cgroup v2 root and for cgroup v1
// hierarchies (with a mounts table naming them), and the reservations admission subtracts.
// test/cgroup-v1.test.ts places a real QEMU in this host's real cgroup v1 hierarchies.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runToolSync } from '../core/index.ts';
import { parentWeight, V2_WEIGHT } from './cgroup-files.ts';
import { cgroupPlan, placeInCgroup, probeCgroup } from './cgroup.ts';
import { cgroupV1Files, placeInCgroupV1, sharesOf } from './cgroup-v1.ts';
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
    assert.deepEqual(v1, { type: 'unavailable', why: `${root} is not a cgroup v2 hierarchy (no cgroup.controllers); cgroup v2 is mounted at ${join(root, 'unified')} (controllers: hugetlb); no cgroup v1 hierarchy of cpu and memory is mounted under ${root} either` });
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
    assert.deepEqual(probeCgroup(root), { type: 'v2', root, io: true });
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

test('bootmedic/ weighs the sum of its running VMs\' weights, so a guaranteed VM outweighs a hog outside it; the default when none is left', () => {
  assert.equal(parentWeight([], V2_WEIGHT), 100);
  assert.equal(parentWeight([1000, 100], V2_WEIGHT), 1100);
  assert.equal(parentWeight(Array(12).fill(1000), V2_WEIGHT), 10_000, 'clamped to cpu.weight\'s range');
  const root = temp();
  try {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpu memory\n');
    assert.equal(probeCgroup(root).type, 'v2');
    const weight = () => readFileSync(join(root, 'bootmedic', 'cpu.weight'), 'utf8');
    // A group a killed bootmedic left behind: a weight, no process. It weighs nothing.
    mkdirSync(join(root, 'bootmedic', 'stale'));
    writeFileSync(join(root, 'bootmedic', 'stale', 'cpu.weight'), '1000');
    writeFileSync(join(root, 'bootmedic', 'stale', 'cgroup.procs'), '');
    const g = placeInCgroup(root, { name: 'g', memoryMiB: 256, cpus: 1, qos: 'guaranteed' }, 1);
    assert.equal(weight(), '1000');
    const b = placeInCgroup(root, { name: 'b', memoryMiB: 256, cpus: 1, qos: 'burstable', limits: { cpus: 1 } }, 2);
    assert.equal(weight(), '1100');
    // The kernel takes a cgroup's files away with its rmdir; the stand-in folder is removed by hand.
    rmSync(b.dir, { recursive: true });
    b.release();
    assert.equal(weight(), '1000');
    rmSync(g.dir, { recursive: true });
    g.release();
    assert.equal(weight(), '100');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('one plan, two hierarchies: the cgroup v1 files carry the same weight, quota, limits and throttles as the v2 ones', () => {
  const g = cgroupPlan({ name: 'g', memoryMiB: 512, cpus: 2, qos: 'guaranteed' });
  assert.deepEqual(g, [
    ['cpu.weight', '1000'],
    ['cpu.max', '200000 100000'],
    ['memory.min', MiB(768)],
    ['memory.max', MiB(768)],
  ]);
  assert.deepEqual(cgroupV1Files(g, ['254:0 riops=100 wiops=100 rbps=1048576 wbps=1048576', '8:0 riops=100 wiops=100 rbps=1048576 wbps=1048576']), [
    ['cpu', 'cpu.shares', '10240'],
    ['cpu', 'cpu.cfs_period_us', '100000'],
    ['cpu', 'cpu.cfs_quota_us', '200000'],
    // memory.min has no v1 equivalent: the soft limit at the same size is the nearest (a reclaim order, not a protection).
    ['memory', 'memory.soft_limit_in_bytes', MiB(768)],
    ['memory', 'memory.limit_in_bytes', MiB(768)],
    ['blkio', 'blkio.throttle.read_iops_device', '254:0 100'],
    ['blkio', 'blkio.throttle.write_iops_device', '254:0 100'],
    ['blkio', 'blkio.throttle.read_bps_device', '254:0 1048576'],
    ['blkio', 'blkio.throttle.write_bps_device', '254:0 1048576'],
    ['blkio', 'blkio.throttle.read_iops_device', '8:0 100'],
    ['blkio', 'blkio.throttle.write_iops_device', '8:0 100'],
    ['blkio', 'blkio.throttle.read_bps_device', '8:0 1048576'],
    ['blkio', 'blkio.throttle.write_bps_device', '8:0 1048576'],
  ]);
  assert.deepEqual(cgroupV1Files(cgroupPlan({ name: 'b', memoryMiB: 512, cpus: 2, qos: 'burstable' })), [
    ['cpu', 'cpu.shares', '1024'],
    ['cpu', 'cpu.cfs_period_us', '100000'],
    ['cpu', 'cpu.cfs_quota_us', '-1'],
    ['memory', 'memory.soft_limit_in_bytes', '-1'],
    ['memory', 'memory.limit_in_bytes', '-1'],
  ]);
  assert.deepEqual(cgroupV1Files(cgroupPlan({ name: 'b', memoryMiB: 512, cpus: 2, qos: 'burstable', limits: { cpus: 0.5, memoryMiB: 400 } }), ['8:0 riops=50']), [
    ['cpu', 'cpu.shares', '1024'],
    ['cpu', 'cpu.cfs_period_us', '100000'],
    ['cpu', 'cpu.cfs_quota_us', '50000'],
    ['memory', 'memory.soft_limit_in_bytes', MiB(400)],
    ['memory', 'memory.limit_in_bytes', MiB(656)],
    ['blkio', 'blkio.throttle.read_iops_device', '8:0 50'],
  ]);
  assert.deepEqual([sharesOf(1), sharesOf(100), sharesOf(1000), sharesOf(10_000), sharesOf(100_000)], [10, 1024, 10240, 102400, 262144]);
});

test('cgroup v1 hierarchies mounted under the root are found and used: a group per VM in each, the pid moved in, bootmedic/ weighted, all removed after', () => {
  const root = temp();
  try {
    const mounts = join(root, 'mounts');
    for (const c of ['cpu', 'memory', 'blkio', 'pids']) mkdirSync(join(root, c));
    writeFileSync(join(root, 'blkio', 'blkio.throttle.read_iops_device'), '');
    writeFileSync(mounts, [`cgroup ${root}/cpu cgroup rw,nosuid,relatime,cpu 0 0`, `cgroup ${root}/memory cgroup rw,relatime,memory 0 0`, `cgroup ${root}/blkio cgroup rw,relatime,blkio 0 0`, `cgroup ${root}/pids cgroup rw,relatime,pids 0 0`, 'cgroup /elsewhere/cpu cgroup rw,cpu 0 0', ''].join('\n'));
    const probe = probeCgroup(root, mounts);
    assert.deepEqual(probe, { type: 'v1', mounts: { cpu: join(root, 'cpu'), memory: join(root, 'memory'), blkio: join(root, 'blkio') }, io: true });
    assert.ok(probe.type === 'v1');
    assert.ok(existsSync(join(root, 'memory', 'bootmedic')), 'bootmedic/ made in each hierarchy');
    const v = { name: 'web', memoryMiB: 256, cpus: 1, qos: 'guaranteed' } as const;
    const placed = placeInCgroupV1(probe.mounts, v.name, cgroupV1Files(cgroupPlan(v), ['254:0 riops=100 wiops=100']), 4242);
    assert.deepEqual(placed.dirs, ['cpu', 'memory', 'blkio'].map((c) => join(root, c, 'bootmedic', 'web')));
    const read = (c: string, f: string) => readFileSync(join(root, c, 'bootmedic', 'web', f), 'utf8');
    assert.equal(read('cpu', 'cpu.shares'), '10240');
    assert.equal(read('cpu', 'cpu.cfs_quota_us'), '100000');
    assert.equal(read('memory', 'memory.limit_in_bytes'), MiB(512));
    assert.equal(read('blkio', 'blkio.throttle.write_iops_device'), '254:0 100');
    for (const c of ['cpu', 'memory', 'blkio']) assert.equal(read(c, 'cgroup.procs'), '4242');
    assert.equal(readFileSync(join(root, 'cpu', 'bootmedic', 'cpu.shares'), 'utf8'), '10240');
    for (const d of placed.dirs) for (const f of ['cpu.shares', 'cpu.cfs_period_us', 'cpu.cfs_quota_us', 'memory.soft_limit_in_bytes', 'memory.limit_in_bytes', 'blkio.throttle.read_iops_device', 'blkio.throttle.write_iops_device', 'cgroup.procs']) rmSync(join(d, f), { force: true });
    placed.release();
    for (const d of placed.dirs) assert.equal(existsSync(d), false, d);
    assert.equal(readFileSync(join(root, 'cpu', 'bootmedic', 'cpu.shares'), 'utf8'), '1024');
    // Without a memory hierarchy under the root there is no v1 QoS, and the reason says so.
    writeFileSync(mounts, `cgroup ${root}/cpu cgroup rw,cpu 0 0\n`);
    const none = probeCgroup(root, mounts);
    assert.match(none.type === 'unavailable' ? none.why : '', /no cgroup v1 hierarchy of memory is mounted under /);
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
    assert.match(notices[0] ?? '', /^QoS cgroups not available here: .*no-cgroup is not a cgroup v2 hierarchy.*no cgroup v1 hierarchy of cpu and memory is mounted under/);
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
