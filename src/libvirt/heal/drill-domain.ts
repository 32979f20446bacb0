import { kernelCommandLine, type VmSpec } from '../../config/index.ts';
import { libvirtTunes, libvirtTuneXml, type TuneHost } from '../../resources/index.ts';
import { libvirtHealErrors } from './errors.ts';

// The domain XML of a drill VM, from its VmSpec: a drill defines its scenario domains
// itself, so their XML follows the spec (kernel, initramfs and command line of the boot
// about to run, memory, vCPUs, disks, its QoS class and limits as <cputune>/<memtune>/
// <blkiotune>), with a virtlogd serial log, a pvpanic device and bootmedic's opt-in in
// <metadata>. Pure.

/** The built guest's boot files, as copies libvirt's QEMU user can read, and its default command line. */
export type DrillGuestFiles = Readonly<{
  kernel: string;
  initrd: string;
  cmdline: string;
  /** Each original path (in bootmedic's cache, which QEMU cannot read) → its readable copy. */
  copies: ReadonlyMap<string, string>;
}>;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

/** bootmedic's opt-in element, as the domain's <metadata> holds it. */
export const OPT_IN_METADATA = '<bootmedic:heal xmlns:bootmedic="https://bootmedic.dev/xmlns/1">true</bootmedic:heal>';

/**
 * The XML `virsh define` gets for the drill VM `spec` (named `spec.name`, with `uuid`: a
 * define again must name the same) whose console goes to `serialLog`; `host` gives the block
 * devices under its disks and whether blkio takes a weight (resources/'s libvirtTunes).
 */
export function drillDomainXml(spec: VmSpec, guest: DrillGuestFiles, serialLog: string, uuid: string, host: TuneHost = {}): string {
  if (spec.firmware !== 'bios' || spec.guest === 'debian') throw libvirtHealErrors.make('LIBVIRT_DRILL_FAILED', `drill VM ${spec.name}: libvirt drills define direct-kernel-boot domains of the tiny guest only`);
  const readable = (p: string) => guest.copies.get(p) ?? p;
  const kernel = readable(spec.kernel ?? guest.kernel);
  const initrd0 = spec.initrd === 'none' ? undefined : (spec.initrd ?? (spec.kernel === undefined ? guest.initrd : undefined));
  const initrd = initrd0 === undefined ? undefined : readable(initrd0);
  const cmdline = kernelCommandLine(spec, guest.cmdline);
  const disks = spec.disks.map((d, i) => {
    const dev = d.interface === 'ide' ? `sd${String.fromCharCode(97 + i)}` : `vd${String.fromCharCode(97 + i)}`;
    return `    <disk type='file' device='disk'><driver name='qemu' type='${d.format}'/><source file='${esc(d.path)}'/><target dev='${dev}' bus='${d.interface === 'ide' ? 'sata' : 'virtio'}'/></disk>`;
  });
  return `<domain type='${spec.accel === 'kvm' ? 'kvm' : 'qemu'}'>
  <name>${esc(spec.name)}</name>
  <uuid>${esc(uuid)}</uuid>
  <metadata>${OPT_IN_METADATA}</metadata>
  <memory unit='MiB'>${spec.memoryMiB}</memory>
  <vcpu>${spec.cpus}</vcpu>
${libvirtTuneXml(libvirtTunes(spec, host)).replace(/^/gm, '  ')}
  <os>
    <type arch='x86_64' machine='${spec.machine}'>hvm</type>
    <kernel>${esc(kernel)}</kernel>
${initrd !== undefined ? `    <initrd>${esc(initrd)}</initrd>\n` : ''}    <cmdline>${esc(cmdline)}</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
${disks.join('\n')}${disks.length > 0 ? '\n' : ''}    <serial type='pty'><log file='${esc(serialLog)}' append='on'/><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <panic model='isa'/>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}
