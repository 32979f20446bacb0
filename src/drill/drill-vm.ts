import { copyFileSync, existsSync, linkSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseVmSpec, type AppConfig, type VmSpec } from '../config/index.ts';
import { runTool } from '../core/index.ts';
import { getFault, createDiskOverlay } from '../faults/index.ts';
import { resolveGuest } from '../guest/index.ts';
import { plainSpec, specFrom } from '../recovery/index.ts';
import type { DrillGuest, Scenario } from './scenarios.ts';

// The VM a drill injects its scenarios into, per guest: the tiny guest (direct kernel boot,
// a small empty qcow2 disk) or the Debian UEFI image (a qcow2 overlay on the drill's own
// golden copy of the built image, plain or Secure Boot). The golden copy lives in the
// drill's folder (one the hypervisor can read: libvirt's QEMU user cannot read the cache
// under /root), and it is what a golden restore copies back.

const TINY_DISK_SIZE = '16M';

/** A drill VM of `guest` named `name` booting `disk`. */
export function drillSpec(name: string, disk: string, guest: DrillGuest, o: { secureBoot?: boolean } = {}): VmSpec {
  const common = { name, accel: 'auto', cpus: 1, disks: [{ path: disk, format: 'qcow2' }], bootLoop: { resets: 3, windowSeconds: 300 } };
  const raw =
    guest === 'tiny'
      ? {
          ...common,
          guest: 'tiny',
          memoryMiB: 256,
          ready: { type: 'marker', text: 'bootmedic-ready' },
          // One good boot teaches the budgets; on a loaded 2-core host a boot's phases vary by 2x and
          // more, so a wide factor and floor keep slow-but-fine boots from being called stalled.
          stall: { defaultSeconds: 90, floorSeconds: 20, factor: 4, percentile: 95 },
        }
      : {
          ...common,
          // examples/debian.yaml: GRUB runs out of memory at 256 MiB or less; one vCPU boots
          // faster under TCG on 2 cores; no NIC, so a failed disk boot is not followed by PXE.
          firmware: 'uefi',
          ...(o.secureBoot === true ? { secureBoot: true } : {}),
          memoryMiB: 1024,
          network: 'none',
          ready: { type: 'login' },
          // The initramfs waits about 30 s for a missing root device before it says so; the
          // floor keeps that announced-late failure a failure with its evidence, not a stall.
          stall: { defaultSeconds: 300, floorSeconds: 60, factor: 4, percentile: 95 },
        };
  return parseVmSpec(raw, `drill VM ${name}`, '/');
}

/** True when a scenario needs the Secure Boot variant of the guest (a fault that sets secureBoot). */
export function needsSecureBoot(sc: Scenario): boolean {
  return sc.faults.some((f) => {
    if (f.inject.kind !== 'catalogue') return false;
    const inj = getFault(f.inject.fault).injection;
    return 'set' in inj && inj.set?.['secureBoot'] === true;
  });
}

/**
 * The drill's golden disk in `goldenDir` (made once): for the tiny guest an empty qcow2, for
 * Debian a qcow2 copy of the built image (the Secure Boot variant in its own sub-folder). Its
 * file name is the one a scenario's disk has, so the heal target finds it as that disk's golden copy.
 */
export async function goldenDisk(goldenDir: string, guest: DrillGuest, app: AppConfig, secureBoot = false): Promise<string> {
  const dir = secureBoot ? join(goldenDir, 'secure-boot') : goldenDir;
  const golden = join(dir, 'disk.qcow2');
  if (existsSync(golden)) return golden;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (guest === 'tiny') {
    await runTool('qemu-img', ['create', '-q', '-f', 'qcow2', golden, TINY_DISK_SIZE]);
    return golden;
  }
  const image = (await resolveGuest('debian', app, { firmware: 'uefi', ...(secureBoot ? { secureBoot: true } : {}) })).disks?.[0];
  if (image === undefined) throw new Error('the debian guest has no disk image');
  const tmp = `${golden}.tmp`;
  await runTool('qemu-img', ['convert', '-q', '-f', image.format, '-O', 'qcow2', image.path, tmp], { timeoutMs: 600_000 });
  renameSync(tmp, golden);
  return golden;
}

/**
 * A scenario VM's disk at `disk`: a copy of the tiny guest's small golden disk, or a qcow2
 * overlay on Debian's (a copy of a whole system per scenario would cost seconds and a GB).
 */
export function scenarioDisk(golden: string, disk: string, guest: DrillGuest): void {
  rmSync(disk, { force: true });
  if (guest === 'tiny') copyFileSync(golden, disk);
  else createDiskOverlay(golden, 'qcow2', disk);
}

/**
 * A Debian fault damages an overlay of the VM's disk (the catalogue's injectors never write
 * the disk they are given); the drill commits that damage into the disk itself and points
 * the VM back at it, as a disk damaged in place would be. Otherwise the diagnosis would see
 * a disk swapped for another since the last good boot (a detached root device), which no
 * real disk corruption looks like.
 */
export async function damageInPlace(spec: VmSpec, disk: string): Promise<{ spec: VmSpec; note?: string }> {
  const top = spec.disks[0];
  if (top === undefined || top.path === disk) return { spec };
  await runTool('qemu-img', ['commit', '-q', '-b', disk, top.path], { timeoutMs: 300_000 });
  rmSync(top.path, { force: true });
  const obj = plainSpec(spec);
  obj['disks'] = [{ ...top, path: disk }, ...spec.disks.slice(1)];
  return { spec: specFrom(obj, `drill VM ${spec.name}`), note: `committed ${top.path} into ${disk} (the fault's damage, in place)` };
}

/**
 * A Debian scenario's golden folder: the golden disk (hard-linked, or copied across file
 * systems) under the name of each disk the faulty VM boots, since a fault moves the VM onto
 * an overlay of its own and the heal target looks golden copies up by file name.
 */
export function scenarioGoldenDir(dir: string, golden: string, spec: VmSpec): string {
  const out = join(dir, 'golden');
  mkdirSync(out, { recursive: true, mode: 0o755 });
  for (const name of new Set(['disk.qcow2', ...spec.disks.slice(0, 1).map((d) => basename(d.path))])) {
    const to = join(out, name);
    if (existsSync(to)) continue;
    try {
      linkSync(golden, to);
    } catch {
      copyFileSync(golden, to);
    }
  }
  return out;
}
