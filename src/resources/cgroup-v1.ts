// QoS with cgroup v1: hosts (container hosts, older distributions) where the cpu, memory and
// blkio controllers are separate v1 hierarchies (/sys/fs/cgroup/cpu, .../memory, .../blkio)
// and not cgroup v2 controllers. The VM's plan (cgroupPlan, in cgroup v2 terms) is mapped
// onto v1 files, and each hierarchy it touches gets a group <mount>/bootmedic/<vm> holding
// QEMU, made before its CPUs start and removed (rmdir) after it exits. The mapping, pure:
// - cpu.weight w -> cpu.shares w × 1024 / 100 (systemd's CPUWeight/CPUShares scale: 100 is
//   1024, the default; 1000 is 10240, as libvirt's guaranteed domains get), within 2…262144.
// - cpu.max "Q P" -> cpu.cfs_period_us P, then cpu.cfs_quota_us Q ("max" is -1).
// - memory.max -> memory.limit_in_bytes ("max" is -1).
// - memory.high -> memory.soft_limit_in_bytes. v1 has no throttle point: the soft limit is
//   only where the kernel reclaims from the group first when the host is short of memory.
// - memory.min -> memory.soft_limit_in_bytes. v1 has no memory.min: nothing protects a
//   group's memory from reclaim. A soft limit at the VM's whole size makes the kernel
//   reclaim from groups above their soft limits before this one: an order of preference,
//   not a protection (libvirt's soft_limit for guaranteed domains is the same choice).
// - io.max "MAJ:MIN riops=R wiops=W rbps=B wbps=C" -> blkio.throttle.read_iops_device
//   "MAJ:MIN R", write_iops_device, read_bps_device, write_bps_device, one device a write.
// QEMU's pages charged before it moves (its binary and libraries, a few MiB: the guest's
// RAM is touched after the CPUs start) stay with the group it was spawned in: v1 moves no
// charges unless memory.move_charge_at_immigrate is set, which newer kernels deprecate.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNever } from '../core/index.ts';
import type { CgroupFile } from './cgroup.ts';
import { balanceParent, removeGroups, writeControl, type WeightScale } from './cgroup-files.ts';
import { resourcesErrors } from './errors.ts';

/** The v1 controllers the QoS plan uses. */
export type V1Controller = 'cpu' | 'memory' | 'blkio';
/** Where each v1 controller's hierarchy is mounted (blkio only where mounted). */
export type V1Mounts = Readonly<{ cpu: string; memory: string; blkio?: string }>;
/** One v1 control file of a VM's group: its hierarchy, the file, the value. */
export type V1Write = readonly [controller: V1Controller, file: string, value: string];

const V1_SHARES: WeightScale = { file: 'cpu.shares', fallback: 1024, min: 2, max: 262_144 };
const IO_KEYS = { riops: 'blkio.throttle.read_iops_device', wiops: 'blkio.throttle.write_iops_device', rbps: 'blkio.throttle.read_bps_device', wbps: 'blkio.throttle.write_bps_device' } as const;
const unlimited = (v: string) => (v === 'max' ? '-1' : v);

/** cpu.shares for a cgroup v2 cpu.weight (100 -> 1024, 1000 -> 10240). Pure. */
export const sharesOf = (weight: number) => Math.min(V1_SHARES.max, Math.max(V1_SHARES.min, Math.round((weight * 1024) / 100)));

/**
 * The cgroup v1 writes for a cgroup v2 plan and its io.max lines, in order (the period
 * before the quota it is measured against). memory.min and memory.high both become the
 * soft limit, which protects nothing and throttles nothing (see the top of this file). Pure.
 */
export function cgroupV1Files(plan: ReadonlyArray<readonly [file: CgroupFile, value: string]>, ioMax: readonly string[] = []): V1Write[] {
  const out: V1Write[] = [];
  for (const [file, value] of plan) {
    switch (file) {
      case 'cpu.weight':
        out.push(['cpu', 'cpu.shares', String(sharesOf(Number(value)))]);
        break;
      case 'cpu.max': {
        const [quota = 'max', period = '100000'] = value.split(' ');
        out.push(['cpu', 'cpu.cfs_period_us', period], ['cpu', 'cpu.cfs_quota_us', unlimited(quota)]);
        break;
      }
      case 'memory.max':
        out.push(['memory', 'memory.limit_in_bytes', unlimited(value)]);
        break;
      case 'memory.min':
      case 'memory.high':
        out.push(['memory', 'memory.soft_limit_in_bytes', unlimited(value)]);
        break;
      default:
        assertNever(file, 'cgroup file');
    }
  }
  for (const line of ioMax) {
    const [device = '', ...pairs] = line.split(' ');
    for (const pair of pairs) {
      const [key, n] = pair.split('=');
      if (key !== undefined && n !== undefined && key in IO_KEYS) out.push(['blkio', IO_KEYS[key as keyof typeof IO_KEYS], `${device} ${n}`]);
    }
  }
  return out;
}

/** The mount point of each cgroup v1 controller under `root`, from a mounts table (fstype `cgroup`, the controllers among the options). */
function v1MountsUnder(root: string, mounts: string): Partial<Record<V1Controller, string>> {
  let table: string;
  try {
    table = readFileSync(mounts, 'utf8');
  } catch {
    return {};
  }
  const found: Partial<Record<V1Controller, string>> = {};
  for (const f of table.split('\n').map((l) => l.split(' '))) {
    const [, at, type, options] = f;
    if (type !== 'cgroup' || at === undefined || !at.startsWith(`${root}/`)) continue;
    for (const c of (options ?? '').split(',')) if ((c === 'cpu' || c === 'memory' || c === 'blkio') && found[c] === undefined) found[c] = at;
  }
  return found;
}

/**
 * Looks for cgroup v1 hierarchies of the cpu and memory controllers (and blkio) mounted
 * under `root` and makes bootmedic/ in each. Never throws: the reason when there are none or
 * they are not writable.
 */
export function probeCgroupV1(root: string, mounts = '/proc/mounts'): Readonly<{ type: 'v1'; mounts: V1Mounts; io: boolean }> | Readonly<{ type: 'unavailable'; why: string }> {
  const found = v1MountsUnder(root, mounts);
  const { cpu, memory, blkio } = found;
  if (cpu === undefined || memory === undefined) {
    const missing = (['cpu', 'memory'] as const).filter((c) => found[c] === undefined).join(' and ');
    return { type: 'unavailable', why: `no cgroup v1 hierarchy of ${missing} is mounted under ${root} either` };
  }
  try {
    for (const at of [cpu, memory, ...(blkio === undefined ? [] : [blkio])]) mkdirSync(join(at, 'bootmedic'), { recursive: true });
  } catch (e) {
    return { type: 'unavailable', why: `the cgroup v1 hierarchies under ${root} are not writable by bootmedic (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  const io = blkio !== undefined && existsSync(join(blkio, IO_KEYS.riops));
  return { type: 'v1', mounts: { cpu, memory, ...(blkio === undefined ? {} : { blkio }) }, io };
}

/**
 * Makes <mount>/bootmedic/<vm> in each hierarchy `writes` touch, writes them, moves `pid`
 * in (cgroup.procs: all its threads) and sets bootmedic/'s cpu.shares to the sum of its
 * VMs'; returns the folders and the function that removes them after QEMU exits.
 * A write the kernel refuses is RESOURCES_CGROUP_FAILED naming the file and the value.
 */
export function placeInCgroupV1(mounts: V1Mounts, vm: string, writes: readonly V1Write[], pid: number): { dirs: string[]; release: () => void } {
  const dirOf = (c: V1Controller) => {
    const at = mounts[c];
    if (at === undefined) throw resourcesErrors.make('RESOURCES_CGROUP_FAILED', `VM ${vm}: its limits need the cgroup v1 ${c} controller, which is not mounted on this host`);
    return join(at, 'bootmedic', vm);
  };
  const controllers = [...new Set(writes.map(([c]) => c))];
  const dirs = controllers.map(dirOf);
  const rebalance = () => balanceParent(vm, join(mounts.cpu, 'bootmedic'), V1_SHARES);
  try {
    for (const dir of dirs) if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    for (const [c, file, value] of writes) writeControl(vm, dirOf(c), file, value);
    for (const dir of dirs) writeControl(vm, dir, 'cgroup.procs', String(pid));
    if (controllers.includes('cpu')) rebalance();
  } catch (e) {
    removeGroups(dirs, rebalance); // folders QEMU has not entered go at once; the caller stops QEMU
    throw e;
  }
  return { dirs, release: () => removeGroups(dirs, rebalance) };
}
