import { createHash } from 'node:crypto';
import type { VmSpec } from '../config/index.ts';

/**
 * Names what a VM boots (guest, kernel, initrd, disks) so that VMs of the same image
 * share stall budgets. Paths, not contents: hashing gigabytes per boot would cost more
 * than the boot. Fault switches on the command line do not change the image.
 */
export function imageKeyOf(spec: VmSpec): string {
  // secureBoot boots another image of a guest (its signed variant) under another firmware build.
  const parts = [spec.guest ?? '', spec.kernel ?? '', typeof spec.initrd === 'string' ? spec.initrd : '', ...spec.disks.map((d) => d.path), spec.firmware, ...(spec.secureBoot ? ['secure-boot'] : [])];
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
}
