/** The boot chain, in order. A boot moves forward through it; phases may be skipped (a
 * direct kernel boot has no bootloader, SeaBIOS prints nothing on the serial port). */
export const PHASES = ['firmware', 'bootloader', 'kernel', 'initramfs', 'init', 'ready'] as const;
export type BootPhase = (typeof PHASES)[number];

/** Position of a phase in the chain. */
export function phaseRank(p: BootPhase): number {
  return PHASES.indexOf(p);
}
