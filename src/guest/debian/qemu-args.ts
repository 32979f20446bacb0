// QEMU arguments that boot the Debian guest the way it was tested (INDEX.md setup):
// q35, OVMF loaded with -bios (or SeaBIOS), virtio disk through a qcow2 overlay, serial
// console on stdio, and no NIC (with one, OVMF spends ~130 s trying network boot).
import type { DebianFirmware } from './recipe.ts';

/** Debian's OVMF build (package ovmf) as one flash image for -bios. */
export const OVMF_BIOS_PATH = '/usr/share/ovmf/OVMF.fd';

/** Arguments for qemu-system-x86_64 booting `disk` (a qcow2 overlay of the image) with the console on stdio. */
export function debianQemuArgs(o: { disk: string; firmware: DebianFirmware; memoryMiB?: number; cpus?: number; accel?: 'tcg' | 'kvm'; ovmf?: string }): string[] {
  // UEFI GRUB runs out of memory loading this kernel and initrd at 256 MiB or less.
  const mem = o.memoryMiB ?? 1024;
  return [
    '-machine',
    `q35,accel=${o.accel ?? 'tcg'}`,
    '-smp',
    String(o.cpus ?? 1), // one vCPU: see examples/debian.yaml (TCG on a 2-core host)
    '-m',
    String(mem),
    ...(o.firmware === 'uefi' ? ['-bios', o.ovmf ?? OVMF_BIOS_PATH] : []),
    '-drive',
    `file=${o.disk},format=qcow2,if=virtio`,
    '-nic',
    'none',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-monitor',
    'none',
    '-no-reboot',
  ];
}
