// The block devices a VM's disk I/O lands on, for cgroup v2 io.max and cgroup v1
// blkio.throttle: the whole disk under the file system that holds each image (the kernel takes
// whole disks there, not partitions). Files on a virtual file system (tmpfs, overlayfs:
// major 0) have no such device and are passed over.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** "MAJ:MIN" of the whole disk holding `path`, or undefined (virtual file system, path gone). */
export function wholeDiskOf(path: string, sys = '/sys'): string | undefined {
  let dev: bigint;
  try {
    dev = statSync(path, { bigint: true }).dev;
  } catch {
    return undefined;
  }
  // Linux dev_t: major in bits 8..19 and 32..43, minor in bits 0..7 and 12..31 (glibc's gnu_dev_major/minor).
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  if (major === 0) return undefined;
  const node = join(sys, 'dev', 'block', `${major}:${minor}`);
  if (!existsSync(node)) return undefined;
  if (!existsSync(join(node, 'partition'))) return `${major}:${minor}`;
  // A partition's sysfs folder sits inside its disk's folder.
  try {
    return readFileSync(join(dirname(realpathSync(node)), 'dev'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** io.max lines ("MAJ:MIN riops=… wiops=… rbps=… wbps=…") for each distinct whole disk under `paths`. */
export function ioMaxLines(paths: readonly string[], limits: Readonly<{ iops?: number | undefined; bytesPerSecond?: number | undefined }>, sys = '/sys'): string[] {
  if (limits.iops === undefined && limits.bytesPerSecond === undefined) return [];
  const devices = [...new Set(paths.map((p) => wholeDiskOf(p, sys)).filter((d): d is string => d !== undefined))];
  const iops = limits.iops === undefined ? '' : ` riops=${limits.iops} wiops=${limits.iops}`;
  const bps = limits.bytesPerSecond === undefined ? '' : ` rbps=${limits.bytesPerSecond} wbps=${limits.bytesPerSecond}`;
  return devices.map((d) => `${d}${iops}${bps}`);
}

/** The /dev path of each distinct whole disk under `paths` (libvirt's <blkiotune><device> names devices by path). */
export function wholeDiskPaths(paths: readonly string[], sys = '/sys'): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const d = wholeDiskOf(p, sys);
    if (d === undefined) continue;
    try {
      const name = /^DEVNAME=(.+)$/m.exec(readFileSync(join(sys, 'dev', 'block', d, 'uevent'), 'utf8'))?.[1];
      if (name !== undefined) out.add(`/dev/${name}`);
    } catch {
      /* a device /sys does not describe is passed over */
    }
  }
  return [...out];
}

/**
 * Whether the host's block I/O controller takes a proportional weight: cgroup v1's blkio has
 * blkio.weight (or blkio.bfq.weight) only with the BFQ scheduler; cgroup v2 offers io.weight
 * with its io controller.
 */
export function blkioHasWeight(cgroupRoot = '/sys/fs/cgroup'): boolean {
  if (existsSync(join(cgroupRoot, 'blkio', 'blkio.weight')) || existsSync(join(cgroupRoot, 'blkio', 'blkio.bfq.weight'))) return true;
  try {
    return readFileSync(join(cgroupRoot, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('io');
  } catch {
    return false;
  }
}
