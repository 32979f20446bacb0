// The words every part shares: the boot phases and the diagnosis causes. Each list is
// declared here once; parts import it (or derive from it) and validate their data files
// against it, so adding a phase or a cause is one edit here plus the data that uses it.

/** The boot chain, in order. A boot moves forward through it; phases may be skipped (a
 * direct kernel boot has no bootloader, SeaBIOS prints nothing on the serial port). */
export const BOOT_PHASES = ['firmware', 'bootloader', 'kernel', 'initramfs', 'init', 'ready'] as const;
/** One phase of the boot chain (see BOOT_PHASES). */
export type BootPhase = (typeof BOOT_PHASES)[number];

/** Position of a phase in the chain (0 for firmware). */
export function phaseRank(p: BootPhase): number {
  return BOOT_PHASES.indexOf(p);
}

/** Every cause bootmedic can diagnose, in a stable order. The diagnosis model, the remedies'
 * P(fix) rows, the image repairs, the fault catalogue and the drill scenarios name causes by
 * these ids, so a drill scores a diagnosis by comparing ids. */
export const CAUSE_IDS = [
  'transient',
  'insufficient-memory',
  'wrong-cmdline',
  'initramfs-corrupt',
  'kernel-missing',
  'bootloader-config',
  'rootfs-corrupt',
  'root-device-missing',
  'guest-userspace',
  'guest-kernel-bug',
  'disk-image-corrupt',
  'host-resources',
  'accelerator-fault',
] as const;
/** One cause of a failed boot (see CAUSE_IDS). */
export type CauseId = (typeof CAUSE_IDS)[number];

/** True when `s` is a known cause id. */
export function isCauseId(s: string): s is CauseId {
  return (CAUSE_IDS as readonly string[]).includes(s);
}
