// The cause vocabulary is shared with the fault catalogue's ground truth (src/faults/),
// so a drill can score a diagnosis by comparing ids. The model's data file must use
// exactly these ids; adding a cause means adding it here and to the data.

/** Every cause bootmedic can diagnose, in a stable order. */
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
