// QoS with cgroups: where bootmedic launches QEMU itself, each VM gets a cgroup
// <root>/bootmedic/<vm> with cpu.weight, cpu.max, memory.min/high/max from its class and
// limits, and QEMU's pid moves into it right after spawn; the folder is removed after exit.
// The plan is written in cgroup v2 terms; on a host whose cpu and memory controllers are
// bound to cgroup v1 hierarchies instead, cgroup-v1.ts maps it onto v1 files. A host with
// neither gets a clear "not available here: <why>" (probeCgroup).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNever } from '../core/index.ts';
import { balanceParent, removeGroups, V2_WEIGHT, writeControl } from './cgroup-files.ts';
import { probeCgroupV1, type V1Mounts } from './cgroup-v1.ts';

/** QEMU's own memory beside the guest's RAM (device models, TCG translation cache, I/O buffers). */
export const QEMU_OVERHEAD_MIB = 256;
/** cpu.max period, in µs (the kernel's default). */
const PERIOD_US = 100_000;
const NEEDED = ['cpu', 'memory'] as const;

/** What a VM's QoS is made from (a VmSpec has these fields). */
export type QosInput = Readonly<{
  name: string;
  memoryMiB: number;
  cpus: number;
  qos: 'guaranteed' | 'burstable';
  limits?: Readonly<{ cpus?: number | undefined; memoryMiB?: number | undefined; iops?: number | undefined; bytesPerSecond?: number | undefined }> | undefined;
}>;

/**
 * Whether cgroup QoS can be applied here, and how: a cgroup v2 hierarchy at `root` (and
 * whether it offers the io controller), cgroup v1 hierarchies (the mount of each
 * controller; `io` when blkio has its throttle files), or why not.
 */
export type CgroupProbe =
  | Readonly<{ type: 'v2'; root: string; io: boolean }>
  | Readonly<{ type: 'v1'; mounts: V1Mounts; io: boolean }>
  | Readonly<{ type: 'unavailable'; why: string }>;

/** A cgroup v2 control file the QoS plan writes. */
export type CgroupFile = 'cpu.weight' | 'cpu.max' | 'memory.min' | 'memory.high' | 'memory.max';

const MiB = (n: number) => String(Math.round(n) * 1024 * 1024);
const quota = (cpus: number) => `${Math.max(1000, Math.round(cpus * PERIOD_US))} ${PERIOD_US}`;

/**
 * The cgroup v2 files and values of a VM's class. `guaranteed`: a high CPU weight, a CPU
 * quota of its own CPUs (or its limit) and its memory protected from reclaim (memory.min)
 * and capped (memory.max) — reserved, never overcommitted. `burstable`: the default weight,
 * and only the limits it names (cpu.max, memory.high throttling before memory.max). Pure.
 */
export function cgroupPlan(v: QosInput): ReadonlyArray<readonly [file: CgroupFile, value: string]> {
  const limitCpus = v.limits?.cpus;
  const limitMem = v.limits?.memoryMiB;
  switch (v.qos) {
    case 'guaranteed': {
      const mem = limitMem ?? v.memoryMiB + QEMU_OVERHEAD_MIB;
      return [
        ['cpu.weight', '1000'],
        ['cpu.max', quota(limitCpus ?? v.cpus)],
        ['memory.min', MiB(Math.min(mem, v.memoryMiB + QEMU_OVERHEAD_MIB))],
        ['memory.max', MiB(mem)],
      ];
    }
    case 'burstable':
      return [
        ['cpu.weight', '100'],
        ['cpu.max', limitCpus === undefined ? `max ${PERIOD_US}` : quota(limitCpus)],
        ['memory.high', limitMem === undefined ? 'max' : MiB(limitMem)],
        ['memory.max', limitMem === undefined ? 'max' : MiB(limitMem + QEMU_OVERHEAD_MIB)],
      ];
    default:
      return assertNever(v.qos);
  }
}

function cgroup2Mounts(mounts: string): string[] {
  try {
    return readFileSync(mounts, 'utf8').split('\n').map((l) => l.split(' ')).filter((f) => f[2] === 'cgroup2').map((f) => f[1]!);
  } catch {
    return [];
  }
}

function controllersOf(dir: string): string[] | undefined {
  try {
    return readFileSync(join(dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter((c) => c !== '');
  } catch {
    return undefined;
  }
}

/**
 * Checks that `root` is a writable cgroup v2 hierarchy offering the cpu and memory
 * controllers, makes <root>/bootmedic and enables them for its children; where `root` is
 * not cgroup v2 at all, looks for writable cgroup v1 hierarchies of cpu and memory mounted
 * under it (probeCgroupV1). Never throws: a host with neither gets the reason, once, as
 * "not available here".
 */
export function probeCgroup(root: string, mounts = '/proc/mounts'): CgroupProbe {
  const have = controllersOf(root);
  if (have === undefined) {
    const v1 = probeCgroupV1(root, mounts);
    if (v1.type === 'v1') return v1;
    const v2 = cgroup2Mounts(mounts).filter((m) => m !== root);
    const elsewhere = v2.map((m) => `${m} (controllers: ${(controllersOf(m) ?? []).join(' ') || 'none'})`).join(', ');
    return { type: 'unavailable', why: `${root} is not a cgroup v2 hierarchy (no cgroup.controllers)${elsewhere === '' ? '' : `; cgroup v2 is mounted at ${elsewhere}`}; ${v1.why}` };
  }
  const missing = NEEDED.filter((c) => !have.includes(c));
  if (missing.length > 0) return { type: 'unavailable', why: `cgroup v2 at ${root} offers controllers '${have.join(' ') || 'none'}', not ${missing.join(' and ')} (on this host they are bound to cgroup v1 hierarchies)` };
  const own = join(root, 'bootmedic');
  const io = have.includes('io');
  const enable = [...NEEDED, ...(io ? ['io'] : [])].map((c) => `+${c}`).join(' ');
  try {
    writeFileSync(join(root, 'cgroup.subtree_control'), enable);
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'cgroup.subtree_control'), enable);
  } catch (e) {
    return { type: 'unavailable', why: `cgroup v2 at ${root} is not writable by bootmedic (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); delegate a subtree and point BOOTMEDIC_CGROUP_ROOT at it` };
  }
  return { type: 'v2', root, io };
}

/**
 * Makes <root>/bootmedic/<vm> (cgroup v2), writes the plan's limits and moves `pid` in
 * (cgroup.procs), and sets bootmedic/'s weight to the sum of its VMs'; returns the folder
 * and the function that removes it after QEMU exits.
 * A write the kernel refuses is RESOURCES_CGROUP_FAILED naming the file and the value.
 */
export function placeInCgroup(root: string, v: QosInput, pid: number, ioMax: readonly string[] = []): { dir: string; release: () => void } {
  const parent = join(root, 'bootmedic');
  const dir = join(parent, v.name);
  const put = (file: string, value: string) => writeControl(v.name, dir, file, value);
  const rebalance = () => balanceParent(v.name, parent, V2_WEIGHT);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  try {
    for (const [file, value] of cgroupPlan(v)) put(file, value);
    // io.max takes one device per write.
    for (const line of ioMax) put('io.max', line);
    put('cgroup.procs', String(pid));
    rebalance();
  } catch (e) {
    removeGroups([dir], rebalance); // gone at once unless QEMU entered it; the caller stops QEMU
    throw e;
  }
  return { dir, release: () => removeGroups([dir], rebalance) };
}
