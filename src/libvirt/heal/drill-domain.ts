import { kernelCommandLine, type VmSpec } from '../../config/index.ts';
import { libvirtTunes, libvirtTuneXml, type TuneHost } from '../../resources/index.ts';
import type { UefiFirmware } from '../../hypervisor/index.ts';
import { libvirtHealErrors } from './errors.ts';

// The domain XML of a drill VM, from its VmSpec: a drill defines its scenario domains
// itself, so their XML follows the spec (memory, vCPUs, disks, its QoS class and limits as
// <cputune>/<memtune>/<blkiotune>, and either the kernel, initramfs and command line of a
// direct kernel boot or the UEFI firmware of a disk boot), with a virtlogd serial log, a
// pvpanic device and bootmedic's opt-in in <metadata>. Pure.

/** The tiny guest's boot files, as copies libvirt's QEMU user can read, and its default command line. */
export type DrillGuestFiles = Readonly<{
  kernel: string;
  initrd: string;
  cmdline: string;
  /** Each original path (in bootmedic's cache, which QEMU cannot read) → its readable copy. */
  copies: ReadonlyMap<string, string>;
}>;

/** Where a drill domain's files go and what it boots besides its spec. */
export type DrillDomainFiles = Readonly<{
  uuid: string;
  serialLog: string;
  /** The tiny guest's boot files (a direct kernel boot that names no kernel of its own). */
  guest?: DrillGuestFiles;
  /** UEFI: the domain's own variable store (the caller copies the template there: see drillFirmware) and the firmware builds. */
  nvram?: string;
  firmware?: Readonly<{ uefi: UefiFirmware; secureBoot: UefiFirmware }>;
  /** The block devices under its disks and whether blkio takes a weight (resources/'s libvirtTunes). */
  host?: TuneHost;
}>;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

/** bootmedic's opt-in element, as the domain's <metadata> holds it. */
export const OPT_IN_METADATA = '<bootmedic:heal xmlns:bootmedic="https://bootmedic.dev/xmlns/1">true</bootmedic:heal>';

/** The OVMF code and variable-store template a UEFI drill VM boots: the ones it names, else the installed build (Secure Boot or plain). */
export function drillFirmware(spec: VmSpec, firmware: Readonly<{ uefi: UefiFirmware; secureBoot: UefiFirmware }>): UefiFirmware {
  const fw = spec.secureBoot ? firmware.secureBoot : firmware.uefi;
  return { code: spec.firmwareCode ?? fw.code, vars: spec.firmwareVars ?? fw.vars };
}

/** The <os> element's boot lines: a direct kernel boot, or OVMF (read-only code, a per-domain variable store) booting the disk. */
function bootLines(spec: VmSpec, f: DrillDomainFiles): string[] {
  const refuse = (why: string) => libvirtHealErrors.make('LIBVIRT_DRILL_FAILED', `drill VM ${spec.name}: ${why}`);
  if (spec.firmware === 'uefi') {
    if (spec.kernel !== undefined) throw refuse('a UEFI drill domain boots its disk, not a kernel file');
    if (f.nvram === undefined || f.firmware === undefined) throw refuse('a UEFI drill domain needs its firmware files and a variable store path');
    // No template attribute: libvirt 9.0's define of an <nvram template=…> did not answer
    // (the domain was defined, virsh waited for ever), so the caller copies the template.
    return [
      `    <loader readonly='yes' secure='${spec.secureBoot ? 'yes' : 'no'}' type='pflash'>${esc(drillFirmware(spec, f.firmware).code)}</loader>`,
      `    <nvram>${esc(f.nvram)}</nvram>`,
      `    <boot dev='hd'/>`,
    ];
  }
  const own = spec.kernel !== undefined;
  if (!own && f.guest === undefined) throw refuse('a direct kernel boot needs a kernel');
  const readable = (p: string) => f.guest?.copies.get(p) ?? p;
  const kernel = readable(spec.kernel ?? f.guest!.kernel);
  const initrd0 = spec.initrd === 'none' ? undefined : (spec.initrd ?? (own ? undefined : f.guest?.initrd));
  const cmdline = kernelCommandLine(spec, f.guest?.cmdline ?? '');
  return [`    <kernel>${esc(kernel)}</kernel>`, ...(initrd0 !== undefined ? [`    <initrd>${esc(readable(initrd0))}</initrd>`] : []), `    <cmdline>${esc(cmdline)}</cmdline>`];
}

/** The XML `virsh define` gets for the drill VM `spec` (named `spec.name`, with `f.uuid`: a define again must name the same) whose console goes to `f.serialLog`. */
export function drillDomainXml(spec: VmSpec, f: DrillDomainFiles): string {
  const boot = bootLines(spec, f);
  const disks = spec.disks.map((d, i) => {
    const dev = d.interface === 'ide' ? `sd${String.fromCharCode(97 + i)}` : `vd${String.fromCharCode(97 + i)}`;
    return `    <disk type='file' device='disk'><driver name='qemu' type='${d.format}'/><source file='${esc(d.path)}'/><target dev='${dev}' bus='${d.interface === 'ide' ? 'sata' : 'virtio'}'/></disk>`;
  });
  // A full OS (anything but the tiny guest) needs ACPI, which libvirt turns off unless asked;
  // Secure Boot keeps OVMF's variables behind SMM.
  const features = spec.firmware === 'uefi' || spec.guest !== 'tiny' ? `  <features><acpi/><apic/>${spec.secureBoot ? "<smm state='on'/>" : ''}</features>\n` : '';
  return `<domain type='${spec.accel === 'kvm' ? 'kvm' : 'qemu'}'>
  <name>${esc(spec.name)}</name>
  <uuid>${esc(f.uuid)}</uuid>
  <metadata>${OPT_IN_METADATA}</metadata>
  <memory unit='MiB'>${spec.memoryMiB}</memory>
  <vcpu>${spec.cpus}</vcpu>
${libvirtTuneXml(libvirtTunes(spec, f.host ?? {})).replace(/^/gm, '  ')}
  <os>
    <type arch='x86_64' machine='${spec.machine}'>hvm</type>
${boot.join('\n')}
  </os>
${features}  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
${disks.join('\n')}${disks.length > 0 ? '\n' : ''}    <serial type='pty'><log file='${esc(f.serialLog)}' append='on'/><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <panic model='isa'/>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}
