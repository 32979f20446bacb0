import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig, VmSpec } from '../../config/index.ts';
import { copyGuarded, isBootmedicError, writeFileAtomic } from '../../core/index.ts';
import type { DrillGuest, DrillMachines } from '../../drill/index.ts';
import { OVMF_4M, OVMF_SECURE_BOOT, resolveGuest } from '../../guest/index.ts';
import { patchSpec, type VmBackend } from '../../recovery/index.ts';
import type { SupervisorDeps } from '../../supervisor/index.ts';
import { createLibvirtBackend } from './backend.ts';
import { drillDomainXml, drillFirmware, type DrillGuestFiles } from './drill-domain.ts';
import { tuneHostFor } from './domain-tunes.ts';
import { libvirtHealErrors } from './errors.ts';
import { virsh } from '../virsh.ts';

const UEFI_FIRMWARE = { uefi: OVMF_4M, secureBoot: OVMF_SECURE_BOOT } as const;

// The VMs of a libvirt drill: domains named bmdrill-<id>-<n> that the drill defines from
// each VM's spec (before every boot, so the boot runs the configuration the heal target
// holds), heals through the libvirt backend, and undefines itself. Their files live under
// /var/lib/libvirt/images/bootmedic-drill-<random>/, which libvirt's QEMU user can read:
// the tiny guest's boot files (copied there), the golden disks (shared/), and per domain its
// disk, damaged files, serial log and UEFI variable store. Only domains this object defined
// are ever touched.

/** The folder libvirt drills keep their domains' files in (QEMU runs as libvirt-qemu and cannot read /root). */
export const LIBVIRT_DRILL_ROOT = '/var/lib/libvirt/images';

export type LibvirtDrillMachines = DrillMachines & {
  /** Removes every domain still defined by this drill and its folder. */
  close(): Promise<void>;
};

/** The tiny guest's boot files copied into `root`/guest, where libvirt's QEMU user can read them. */
async function tinyGuestFiles(root: string, app: AppConfig): Promise<DrillGuestFiles> {
  mkdirSync(join(root, 'guest'), { recursive: true });
  chmodSync(join(root, 'guest'), 0o755);
  const g = await resolveGuest('tiny', app);
  if (g.kernel === undefined || g.initrd === undefined) throw new Error('the tiny guest has no kernel or initramfs');
  const kernel = join(root, 'guest', 'vmlinuz');
  const initrd = join(root, 'guest', 'initrd.cpio.gz');
  copyGuarded(g.kernel, kernel, { what: 'tiny guest kernel', kind: 'file' });
  copyGuarded(g.initrd, initrd, { what: 'tiny guest initramfs', kind: 'file' });
  for (const f of [kernel, initrd]) chmodSync(f, 0o644);
  // The tiny guest powers off after its ready marker by default; under libvirt the domain's
  // Stopped event can then beat the marker's line through the log file, so the guest idles
  // instead and the supervisor ends each boot (destroy) after its verdict.
  const cmdline = (g.cmdline ?? 'console=ttyS0,115200').replace('bootmedic.after=poweroff', 'bootmedic.after=idle');
  return { kernel, initrd, cmdline, copies: new Map([[g.kernel, kernel], [g.initrd, initrd]]) };
}

/** Prepares a folder (and for the tiny guest its boot files) for a libvirt drill of `guest` on `uri`. */
export async function createLibvirtDrillMachines(o: { uri: string; app: AppConfig; deps: SupervisorDeps; guest?: DrillGuest; root?: string }): Promise<LibvirtDrillMachines> {
  const { uri, deps } = o;
  const root = join(o.root ?? LIBVIRT_DRILL_ROOT, `bootmedic-drill-${randomBytes(3).toString('hex')}`);
  const sharedDir = join(root, 'shared');
  let guest: DrillGuestFiles | undefined;
  try {
    mkdirSync(sharedDir, { recursive: true });
    for (const d of [root, sharedDir]) chmodSync(d, 0o755);
    if ((o.guest ?? 'tiny') === 'tiny') guest = await tinyGuestFiles(root, o.app);
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    if (isBootmedicError(e)) throw e;
    throw libvirtHealErrors.make('LIBVIRT_DRILL_FAILED', `libvirt drill folder ${root}: ${(e as Error).message}`);
  }
  const ours = new Map<string, string>(); // domain → its uuid
  const dirOf = (vm: string) => join(root, vm);

  async function define(spec: VmSpec): Promise<void> {
    const dir = dirOf(spec.name);
    const file = join(dir, 'domain.xml');
    const uuid = ours.get(spec.name) ?? randomUUID();
    ours.set(spec.name, uuid);
    // Each boot starts from the firmware's template variables, as a QEMU drill's boots do
    // (a define comes before every boot, with the domain shut off).
    const nvram = join(dir, 'nvram.fd');
    if (spec.firmware === 'uefi') {
      copyGuarded(drillFirmware(spec, UEFI_FIRMWARE).vars, nvram, { what: 'UEFI variable store template', kind: 'file' });
      chmodSync(nvram, 0o644);
    }
    writeFileAtomic(file, drillDomainXml(spec, { uuid, serialLog: join(dir, 'serial.log'), nvram, firmware: UEFI_FIRMWARE, host: tuneHostFor(uri, spec.disks.map((d) => d.path)), ...(guest !== undefined ? { guest } : {}) }));
    await virsh(uri, ['define', file]);
  }

  async function backendFor(vm: string, spec: VmSpec): Promise<VmBackend> {
    mkdirSync(dirOf(vm), { recursive: true });
    // QEMU runs as libvirt-qemu and must reach the scenario's disk in this folder, whatever
    // bootmedic's umask (the systemd unit's UMask=0077 would leave it 0700).
    chmodSync(dirOf(vm), 0o755);
    await define(spec);
    const inner = createLibvirtBackend({ uri, domain: vm, deps });
    return {
      // A drill domain's XML follows its spec: a change libvirt healing does not make on an
      // operator's domain (a disk list a revert puts back) is made here by defining it again.
      apply: async (change, s) => {
        try {
          return await inner.apply(change, s);
        } catch (e) {
          if (change.type !== 'spec-patch' || !isBootmedicError(e, 'LIBVIRT_CHANGE_UNSUPPORTED')) throw e;
          const next = patchSpec(s, change.patch, `drill domain ${vm}`);
          await define(next);
          return next;
        }
      },
      boot: (s, req) => {
        // The boot's own configuration (a simulated guest defect adds words to its command line).
        const defined = define(s);
        const onDomain = patchSpec(s, { set: { libvirt: { uri, domain: vm } }, unset: [] }, `drill domain ${vm}`);
        const run = defined.then(() => inner.boot(onDomain, req));
        const first = run.then((r) => r.first);
        return req.mode === 'once' ? { first } : { first, background: run.then((r) => r.background ?? r.first.then((x) => [x])) };
      },
      keepGoodState: inner.keepGoodState,
      hasGoodState: inner.hasGoodState,
    };
  }

  async function release(vm: string): Promise<void> {
    if (!ours.has(vm)) return;
    const state = await virsh(uri, ['domstate', vm]).then((r) => r.stdout.trim(), () => 'gone');
    if (state !== 'shut off' && state !== 'gone') await virsh(uri, ['destroy', vm]).catch(() => undefined);
    if (state !== 'gone') await virsh(uri, ['undefine', vm, '--snapshots-metadata', '--nvram']).catch(() => virsh(uri, ['undefine', vm, '--snapshots-metadata']));
    ours.delete(vm);
    rmSync(dirOf(vm), { recursive: true, force: true });
  }

  return {
    prefix: 'bmdrill',
    dirOf,
    sharedDir,
    backendFor,
    release,
    async close() {
      for (const vm of [...ours.keys()]) await release(vm).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
