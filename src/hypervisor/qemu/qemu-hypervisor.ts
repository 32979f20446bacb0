// The QEMU backend of the Hypervisor interface: turns a VmSpec into files (a named guest's
// artefacts and the firmware come from the GuestSource the composition root passes in),
// makes the per-boot disk overlays and firmware variables, and starts QEMU.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCommandLineFits, kernelCommandLine, type AppConfig, type VmSpec } from '../../config/index.ts';
import { checkPath } from '../../core/index.ts';
import { checkChainFiles } from '../../image/index.ts';
import { createResourceGuard, DEFAULT_VM_NICE, resolveAdmission, type AdmissionEvent, type AdmissionPolicy, type ResourceGuard } from '../../resources/index.ts';
import { hvErrors } from '../errors.ts';
import type { AccelVerdict, GuestArtifacts, GuestSource, Hypervisor, LaunchOptions, VmProcess } from '../types.ts';
import { chooseAccel, probeAccel, type ProbeOptions } from './accel.ts';
import { qemuArgv, type BootPlan } from './argv.ts';
import { createOverlay } from './qemu-img.ts';
import { spawnVm } from './vm-process.ts';

/**
 * Options of the QEMU backend: where guests and firmware are (from the composition root);
 * the resource guard (admission before a launch, reservation and QoS cgroup after spawn;
 * default: one over app.home and the host's /proc/meminfo, with the admission policy of
 * `admission`, else the app config's, and queued boots reported to `onAdmission`; QEMU's
 * priority `vmNice` levels below bootmedic's); tests point it at another binary or a shorter probe.
 */
export type QemuOptions = {
  guests: GuestSource;
  guard?: ResourceGuard;
  notice?: (line: string) => void;
  admission?: () => AdmissionPolicy;
  onAdmission?: (e: AdmissionEvent) => void;
  /** How many nice levels below bootmedic QEMU runs (default: the app config's, else 10). */
  vmNice?: () => number;
  qemuBinary?: string;
  probe?: Omit<ProbeOptions, 'signal' | 'fresh'>;
};

/** sun_path holds 108 bytes (unix(7)); longer run directories get their sockets in tmpdir. */
const SUN_PATH_MAX = 100;

/**
 * Checks a file QEMU will be given through the guarded open: missing is the code's error; a
 * FIFO, device, folder or symlink loop is FILE_WRONG_TYPE (QEMU would block on a FIFO).
 */
function must(path: string | undefined, code: 'HV_KERNEL_MISSING' | 'HV_INITRD_MISSING' | 'HV_FIRMWARE_MISSING' | 'HV_OVMF_MISSING' | 'HV_DISK_MISSING', what: string, vm: string): void {
  if (path !== undefined) checkPath(path, { what: `VM ${vm}: ${what}`, kind: code === 'HV_DISK_MISSING' ? 'disk' : 'file', missing: (m) => hvErrors.make(code, m) });
}

/** The OVMF files of a UEFI VM: the ones it names (bad input when missing) or the installed defaults (unavailable when missing). */
function uefiFirmware(spec: VmSpec, guests: GuestSource): { code: string; varsTemplate: string } {
  const defaults = spec.secureBoot ? guests.firmware.secureBoot : guests.firmware.uefi;
  const code = spec.firmwareCode ?? defaults.code;
  const varsTemplate = spec.firmwareVars ?? defaults.vars;
  must(code, spec.firmwareCode === undefined ? 'HV_OVMF_MISSING' : 'HV_FIRMWARE_MISSING', 'UEFI firmware code', spec.name);
  must(varsTemplate, spec.firmwareVars === undefined ? 'HV_OVMF_MISSING' : 'HV_FIRMWARE_MISSING', 'UEFI variable store', spec.name);
  return { code, varsTemplate };
}

/**
 * Creates the QEMU hypervisor.
 *
 * @example
 * const hv = createQemuHypervisor(app, { guests: guestSource(app) });
 * const vm = await hv.launch(loadVmSpec('examples/tiny.yaml'), { runDir, signal });
 * vm.onEvent((ev) => { if (ev.type === 'console') process.stdout.write(ev.chunk); });
 * const exit = await vm.exited;
 */
export function createQemuHypervisor(app: AppConfig, opts: QemuOptions): Hypervisor {
  const guard =
    opts.guard ??
    createResourceGuard({
      home: app.home,
      admission: opts.admission ?? (() => resolveAdmission(app.admission)),
      vmNice: opts.vmNice ?? (() => app.vmNice ?? DEFAULT_VM_NICE),
      ...(opts.onAdmission === undefined ? {} : { onAdmission: opts.onAdmission }),
      ...(opts.notice === undefined ? {} : { notice: opts.notice }),
      ...(app.admissionHeadroomMiB === undefined ? {} : { headroomMiB: app.admissionHeadroomMiB }),
      ...(app.cgroupRoot === undefined ? {} : { cgroupRoot: app.cgroupRoot }),
    });
  const hv: Hypervisor = {
    probeAccel: (o = {}): Promise<AccelVerdict> => probeAccel(app, launch, { ...opts.probe, ...o }),
    launch: (spec, o) => launch(spec, o),
  };

  async function launch(spec: VmSpec, o: LaunchOptions): Promise<VmProcess> {
    // A libvirt domain is libvirt's to run: a second QEMU on its disks must never start.
    if (spec.libvirt !== undefined) throw hvErrors.make('HV_QEMU_BAD_ARG', `VM ${spec.name} is libvirt domain ${spec.libvirt.domain} of ${spec.libvirt.uri}; the QEMU backend does not launch libvirt domains`, { fix: 'Drive it through the libvirt backend (bootmedic watch --libvirt).' });
    // Admission first: a VM the host cannot hold is refused (or waits in the admission queue) before any file is made for it.
    await guard.admit(spec, o.signal);
    const guest: GuestArtifacts | undefined = spec.guest ? await opts.guests.artifacts(spec) : undefined;
    const kernel = spec.kernel ?? guest?.kernel;
    const initrd = spec.initrd === 'none' ? undefined : (spec.initrd ?? (spec.kernel === undefined ? guest?.initrd : undefined));
    const cmdline = kernelCommandLine(spec, guest?.cmdline);
    if (kernel !== undefined) assertCommandLineFits(`VM ${spec.name}`, cmdline);
    must(kernel, 'HV_KERNEL_MISSING', 'kernel', spec.name);
    must(initrd, 'HV_INITRD_MISSING', 'initrd', spec.name);
    const disks = [...(guest?.disks ?? []).map((d) => ({ ...d, interface: 'virtio' as const })), ...spec.disks];
    for (const d of disks) {
      must(d.path, 'HV_DISK_MISSING', 'disk image', spec.name);
      if (d.format === 'qcow2') checkChainFiles(d.path);
    }
    if (kernel === undefined && disks.length === 0) throw hvErrors.make('HV_KERNEL_MISSING', `VM ${spec.name}: nothing to boot (no kernel and no disk)`);
    const firmware = spec.firmware === 'uefi' ? uefiFirmware(spec, opts.guests) : undefined;

    const accel = await chooseAccel(spec, o.accel, () => hv.probeAccel(o.signal ? { signal: o.signal } : {}));
    mkdirSync(o.runDir, { recursive: true });
    let sockDir = o.runDir;
    if (join(o.runDir, 'qmp.sock').length > SUN_PATH_MAX) sockDir = mkdtempSync(join(tmpdir(), 'bm-'));
    const qmpSocket = join(sockDir, 'qmp.sock');
    rmSync(qmpSocket, { force: true });

    const overlays: BootPlan['overlays'][number][] = [];
    for (const [i, d] of disks.entries()) {
      const path = join(o.runDir, `disk${i}.qcow2`);
      rmSync(path, { force: true });
      await createOverlay(d.path, d.format, path, o.signal);
      overlays.push({ path, interface: d.interface });
    }
    let pflash: BootPlan['pflash'];
    if (firmware !== undefined) {
      const vars = join(o.runDir, 'efivars.fd');
      copyFileSync(firmware.varsTemplate, vars);
      pflash = { code: firmware.code, vars };
    }
    const plan: BootPlan = {
      accel,
      ...(kernel !== undefined ? { kernel, cmdline } : {}),
      ...(initrd !== undefined ? { initrd } : {}),
      overlays,
      qmpSocket,
      ...(pflash ? { pflash } : {}),
    };
    // The VM's reservation and QoS cgroup take effect while its CPUs are still paused (-S).
    let release: (() => void) | undefined;
    const beforeStart = (pid: number) => {
      release = guard.place(spec, pid, [o.runDir, ...disks.map((d) => d.path)]);
    };
    const vm = await spawnVm(qemuArgv(spec, plan), {
      runDir: o.runDir,
      beforeStart,
      qmpSocket,
      accel,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.qmpTimeoutMs !== undefined ? { qmpTimeoutMs: o.qmpTimeoutMs } : {}),
      ...(opts.qemuBinary ? { qemuBinary: opts.qemuBinary } : {}),
    }).catch((e: unknown) => {
      release?.(); // QEMU was stopped and reaped by spawnVm
      throw e;
    });
    void vm.exited.finally(() => release?.());
    if (sockDir !== o.runDir) void vm.exited.then(() => rmSync(sockDir, { recursive: true, force: true }));
    return vm;
  }

  return hv;
}
