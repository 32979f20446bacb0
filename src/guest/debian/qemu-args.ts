// QEMU arguments that boot the Debian guest the way it was tested (INDEX.md setup):
// q35, OVMF loaded with -bios (or SeaBIOS), virtio disk through a qcow2 overlay, serial
// console on stdio, and no NIC (with one, OVMF spends ~130 s trying network boot).
import { OVMF_SECURE_BOOT } from '../firmware.ts';
import type { DebianFirmware } from './recipe.ts';

/** Debian's OVMF build (package ovmf) as one flash image for -bios. */
export const OVMF_BIOS_PATH = '/usr/share/ovmf/OVMF.fd';

/**
 * Arguments for qemu-system-x86_64 booting `disk` (a qcow2 overlay of the image) with the
 * console on stdio. With `secureBootVars` (this boot's writable copy of
 * OVMF_SECURE_BOOT.vars), OVMF's secure-boot build with SMM and a secured flash.
 */
export function debianQemuArgs(o: { disk: string; firmware: DebianFirmware; memoryMiB?: number; cpus?: number; accel?: 'tcg' | 'kvm'; ovmf?: string; secureBootVars?: string }): string[] {
  // UEFI GRUB runs out of memory loading this kernel and initrd at 256 MiB or less.
  const mem = o.memoryMiB ?? 1024;
  const sb = o.firmware === 'uefi' ? o.secureBootVars : undefined;
  const firmware = sb
    ? ['-global', 'driver=cfi.pflash01,property=secure,value=on', '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_SECURE_BOOT.code}`, '-drive', `if=pflash,format=raw,unit=1,file=${sb}`]
    : o.firmware === 'uefi'
      ? ['-bios', o.ovmf ?? OVMF_BIOS_PATH]
      : [];
  return [
    '-machine',
    `q35${sb ? ',smm=on' : ''},accel=${o.accel ?? 'tcg'}`,
    '-smp',
    String(o.cpus ?? 1), // one vCPU: see examples/debian.yaml (TCG on a 2-core host)
    '-m',
    String(mem),
    ...firmware,
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
