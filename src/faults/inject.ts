// Injectors turn a healthy VmSpec into a faulty one (plus damaged files in a work dir).
// They never touch the original files: a file fault damages a copy.
import { closeSync, existsSync, mkdirSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { checkPath, copyGuarded, openGuarded } from '../core/index.ts';
import { basename, join } from 'node:path';
import { parseVmSpec, type AppConfig, type VmSpec } from '../config/index.ts';
import { resolveGuest } from '../guest/index.ts';
import type { Fault } from './catalogue.ts';
import { faultErrors } from './errors.ts';
import { applyImageOp, createDiskOverlay, extractBootFiles, type ImageInjection } from './inject-image.ts';
import { assertNever } from '../core/index.ts';

/** A faulty VM and what was done to make it so. */
export type Injected = { spec: VmSpec; files: string[]; note: string };

function plain(spec: VmSpec): Record<string, unknown> {
  const { sourcePath: _drop, ...rest } = spec;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

function appendWords(a: unknown, b: string): string {
  return typeof a === 'string' && a.trim() !== '' ? `${a} ${b}` : b;
}

/**
 * Injects `fault` into `spec`. File faults write the damaged copy under `workDir`.
 * `o.copyOf` names the built guest a VM's own disk is a copy of when the VM names no guest
 * (a drill's Debian VM boots its own copy of the image): the guest's faults then apply to it.
 *
 * @example
 * const { spec: bad } = await injectFault(spec, getFault('truncated-initrd'), workDir, app);
 */
export async function injectFault(spec: VmSpec, fault: Fault, workDir: string, app: AppConfig, o: { copyOf?: 'tiny' | 'debian' } = {}): Promise<Injected> {
  const guest = spec.guest ?? (spec.disks.length > 0 ? o.copyOf : undefined);
  if (!fault.guests.includes('any') && (guest === undefined || !fault.guests.includes(guest))) {
    throw faultErrors.make('FAULT_NOT_APPLICABLE', `fault '${fault.name}' applies to guests ${fault.guests.join(', ')}, VM ${spec.name} is ${guest ?? 'not a built-in guest'}`);
  }
  const obj = plain(spec);
  const inj = fault.injection;
  const files: string[] = [];
  let note: string;
  switch (inj.kind) {
    case 'cmdline':
      if (bootsFromDisk(spec)) {
        note = await onDisk(spec, obj, fault.name, { op: 'append-cmdline', value: inj.append }, workDir, app, files);
        break;
      }
      obj['append'] = appendWords(obj['append'], inj.append);
      note = `appended '${inj.append}' to the kernel command line`;
      break;
    case 'vm':
      Object.assign(obj, inj.set ?? {});
      // A disk-booted guest's command line is in its grub.cfg, so the words go there.
      if (inj.append && bootsFromDisk(spec)) note = [inj.set ? `set ${JSON.stringify(inj.set)}` : '', await onDisk(spec, obj, fault.name, { op: 'append-cmdline', value: inj.append }, workDir, app, files)].filter(Boolean).join('; ');
      else {
        if (inj.append) obj['append'] = appendWords(obj['append'], inj.append);
        note = [inj.set ? `set ${JSON.stringify(inj.set)}` : '', inj.append ? `appended '${inj.append}'` : ''].filter(Boolean).join('; ');
      }
      break;
    case 'image': {
      const { kind: _k, set, append, ...op } = inj;
      Object.assign(obj, set ?? {});
      note = [set ? `set ${JSON.stringify(set)}` : '', await onDisk(spec, obj, fault.name, op, workDir, app, files, append)].filter(Boolean).join('; ');
      break;
    }
    case 'direct-boot': {
      note = await directBoot(spec, obj, fault.name, workDir, app, files);
      Object.assign(obj, inj.set ?? {});
      if (inj.set) note += `; set ${JSON.stringify(inj.set)}`;
      break;
    }
    case 'file': {
      const own = inj.target === 'kernel' ? spec.kernel : inj.target === 'initrd' ? spec.initrd : spec.disks[0]?.path;
      // The guest is consulted only when the VM does not name the file itself.
      const guest = spec.guest && own === undefined ? await resolveGuest(spec.guest, app) : undefined;
      const source =
        inj.target === 'kernel' ? (spec.kernel ?? guest?.kernel) : inj.target === 'initrd' ? (spec.initrd !== 'none' ? (spec.initrd ?? guest?.initrd) : undefined) : (spec.disks[0]?.path ?? guest?.disks?.[0]?.path);
      if (source === undefined || !existsSync(source)) throw faultErrors.make('FAULT_NOT_APPLICABLE', `fault '${fault.name}': VM ${spec.name} has no ${inj.target} file to damage`);
      mkdirSync(workDir, { recursive: true });
      const copy = join(workDir, `${fault.name}-${basename(source)}`);
      copyGuarded(source, copy, { what: `${inj.target} to damage`, kind: 'disk' });
      files.push(copy);
      note = damage(copy, inj);
      if (inj.target === 'kernel') {
        obj['kernel'] = copy;
        // Keep the guest's initrd and command line with the damaged kernel copy.
        if (guest?.initrd && obj['initrd'] === undefined) obj['initrd'] = guest.initrd;
        if (guest?.cmdline && obj['cmdline'] === undefined) obj['cmdline'] = guest.cmdline;
      } else if (inj.target === 'initrd') obj['initrd'] = copy;
      else obj['disks'] = [{ ...(spec.disks[0] ?? { format: 'qcow2', interface: 'virtio' }), path: copy }, ...spec.disks.slice(1)];
      break;
    }
    default:
      assertNever(inj, 'injection kind');
  }
  const faulty = parseVmSpec(obj, `VM ${spec.name} with fault ${fault.name}`, workDir);
  return { spec: faulty, files, note };
}

/** True when the VM boots its own disk (firmware → loader), not a kernel QEMU loads. */
function bootsFromDisk(spec: VmSpec): boolean {
  return spec.kernel === undefined && (spec.guest === 'debian' || (spec.guest === undefined && spec.disks.length > 0));
}

/**
 * The disk a disk-booted VM boots: its guest's image when it names a guest, else disks[0].
 * `secureBoot` (the faulty VM's, after a fault's `set`) picks the guest's signed variant, as the hypervisor does.
 */
async function diskOf(spec: VmSpec, name: string, app: AppConfig, secureBoot: boolean): Promise<{ guestDisk: { path: string; format: 'raw' | 'qcow2' } | undefined; disk: { path: string; format: 'raw' | 'qcow2' } }> {
  const guestDisk = spec.guest !== undefined ? (await resolveGuest(spec.guest, app, { firmware: spec.firmware, ...(secureBoot ? { secureBoot } : {}) })).disks?.[0] : undefined;
  const disk = guestDisk ?? spec.disks[0];
  if (disk === undefined || !existsSync(disk.path)) throw faultErrors.make('FAULT_NOT_APPLICABLE', `fault '${name}': VM ${spec.name} has no disk image`);
  return { guestDisk, disk };
}

/**
 * Damages a qcow2 overlay of the VM's first disk (a guest's image, else disks[0]) and points
 * the VM at it. The guest name is dropped from the faulty spec: the hypervisor would attach
 * the guest's own image first otherwise.
 */
async function onDisk(spec: VmSpec, obj: Record<string, unknown>, name: string, op: ImageInjection, workDir: string, app: AppConfig, files: string[], append?: string): Promise<string> {
  const { guestDisk, disk: base } = await diskOf(spec, name, app, obj['secureBoot'] === true);
  const overlay = join(workDir, `${name}-disk.qcow2`);
  rmSync(overlay, { force: true });
  createDiskOverlay(base.path, base.format, overlay);
  files.push(overlay);
  let note = applyImageOp(overlay, 'qcow2', op);
  if (append !== undefined) note += `; ${applyImageOp(overlay, 'qcow2', { op: 'append-cmdline', value: append })}`;
  const disk = { format: 'qcow2', interface: 'virtio', path: overlay };
  if (guestDisk !== undefined) {
    delete obj['guest'];
    obj['disks'] = [disk, ...spec.disks];
  } else obj['disks'] = [{ ...spec.disks[0], ...disk }, ...spec.disks.slice(1)];
  return `${note} (overlay ${overlay} on ${base.path})`;
}

/**
 * Points the VM at copies of its disk guest's kernel and initrd (from the first GRUB entry on
 * the ESP) with that entry's command line, booted by QEMU itself: no firmware boot, no GRUB.
 * The image stays attached as a plain disk; the guest name is dropped so it is not attached twice.
 */
async function directBoot(spec: VmSpec, obj: Record<string, unknown>, name: string, workDir: string, app: AppConfig, files: string[]): Promise<string> {
  if (!bootsFromDisk(spec)) throw faultErrors.make('FAULT_NOT_APPLICABLE', `fault '${name}': VM ${spec.name} already boots a kernel directly`);
  const { guestDisk, disk } = await diskOf(spec, name, app, obj['secureBoot'] === true);
  const boot = extractBootFiles(disk.path, join(workDir, `${name}-boot`));
  files.push(boot.kernel, boot.initrd);
  if (guestDisk !== undefined) {
    delete obj['guest'];
    obj['disks'] = [{ format: guestDisk.format, interface: 'virtio', path: guestDisk.path }, ...spec.disks];
  }
  Object.assign(obj, { kernel: boot.kernel, initrd: boot.initrd, cmdline: boot.args, firmware: 'bios' });
  delete obj['firmwareCode'];
  delete obj['firmwareVars'];
  return `booted ${disk.path}'s kernel and initrd directly (-kernel/-initrd, no firmware boot or GRUB) with '${boot.args}'`;
}

function damage(path: string, inj: Extract<Fault['injection'], { kind: 'file' }>): string {
  switch (inj.action) {
    case 'truncate': {
      const size = checkPath(path, { what: 'file to damage', kind: 'disk' }).size;
      const keep = Math.floor(size * (inj.keep ?? 0.5));
      truncateSync(path, keep);
      return `truncated ${path} from ${size} to ${keep} bytes`;
    }
    case 'delete': {
      // The copy is what the VM points at; removing it leaves the original intact.
      rmSync(path);
      return `removed ${path}`;
    }
    case 'zero-head': {
      const n = inj.bytes ?? 4096;
      const { fd } = openGuarded(path, { what: 'file to damage', kind: 'disk', write: true });
      try {
        writeSync(fd, new Uint8Array(n), 0, n, 0);
      } finally {
        closeSync(fd);
      }
      return `zeroed the first ${n} bytes of ${path}`;
    }
    default:
      assertNever(inj.action, 'file action');
  }
}
