// recovery/: the real HealTarget over QEMU (configuration changes, qemu-img snapshots,
// golden copies, image/ repairs, verification boots through the supervisor) and the
// glue that takes one failed boot through diagnosis and healing.
export { createQemuHealTarget, LAST_GOOD_SNAPSHOT } from './qemu-heal-target.ts';
export type { QemuHealTarget, QemuHealTargetOptions } from './qemu-heal-target.ts';
export { healBoot, detectedAtOf } from './heal-boot.ts';
export type { HealBootInput, HealBootResult } from './heal-boot.ts';
export { evidenceFor, diskIntegrity } from './evidence.ts';
export { fingerprintSpec, loadLastGood, saveLastGood, plainSpec, specFrom, withAppend } from './vm-config.ts';
export type { LastGood } from './vm-config.ts';
export { openIncidents } from './incidents.ts';
export { recoveryErrors } from './errors.ts';
