// The file side of QoS cgroups shared by cgroup v2 (cgroup.ts) and v1 (cgroup-v1.ts): one
// control-file write with its typed error, bootmedic/'s own CPU weight kept at the sum of
// its VMs', and the removal of a VM's folders after QEMU exits.
import { readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resourcesErrors } from './errors.ts';

/** Writes one control file of VM `vm`'s cgroup; a write the kernel refuses is RESOURCES_CGROUP_FAILED naming the file and the value. */
export function writeControl(vm: string, dir: string, file: string, value: string): void {
  try {
    writeFileSync(join(dir, file), value);
  } catch (e) {
    throw resourcesErrors.make('RESOURCES_CGROUP_FAILED', `VM ${vm}: writing ${JSON.stringify(value)} to ${join(dir, file)}: ${(e as Error).message}`, { cause: e });
  }
}

/** The range of a CPU weight file: cgroup v2 cpu.weight, cgroup v1 cpu.shares. */
export type WeightScale = Readonly<{ file: 'cpu.weight' | 'cpu.shares'; fallback: number; min: number; max: number }>;
export const V2_WEIGHT: WeightScale = { file: 'cpu.weight', fallback: 100, min: 1, max: 10_000 };

/** The weight of the bootmedic/ group: the sum of its VMs' weights (clamped to the file's range), the default with none. Pure. */
export function parentWeight(children: readonly number[], scale: WeightScale): number {
  if (children.length === 0) return scale.fallback;
  return Math.min(scale.max, Math.max(scale.min, children.reduce((a, b) => a + b, 0)));
}

/**
 * Sets bootmedic/'s own CPU weight to the sum of the weights of its VM groups that hold a
 * process. A weight counts only among siblings: left at the default, bootmedic/ as a whole
 * would weigh like one ordinary process against a CPU hog at the top level, and a guaranteed
 * VM's 1000 (10240 shares) would only count against the other VMs inside it. An empty group
 * (one a killed bootmedic left) weighs nothing, and a folder gone meanwhile is passed over;
 * two bootmedics placing at once each write the sum they saw, and the next placement or
 * release sets it again.
 */
export function balanceParent(vm: string, parent: string, scale: WeightScale): void {
  const weights: number[] = [];
  for (const d of readdirSync(parent, { withFileTypes: true })) {
    if (!d.isDirectory()) continue;
    try {
      if (readFileSync(join(parent, d.name, 'cgroup.procs'), 'utf8').trim() === '') continue;
      const w = Number(readFileSync(join(parent, d.name, scale.file), 'utf8').trim());
      if (Number.isFinite(w) && w > 0) weights.push(w);
    } catch {
      /* a group removed while listing, or one without the controller */
    }
  }
  writeControl(vm, parent, scale.file, String(parentWeight(weights, scale)));
}

/** Removes the cgroup folders (rmdir, once their processes are gone), then rebalances each parent. Never throws: a folder still busy is reused by the next launch of the VM. */
export function removeGroups(dirs: readonly string[], rebalance: () => void): void {
  for (const dir of dirs) {
    try {
      rmdirSync(dir); // a cgroup folder is removed with rmdir once its processes are gone
    } catch {
      /* still busy or already gone */
    }
  }
  try {
    rebalance();
  } catch {
    /* the hierarchy went away */
  }
}
