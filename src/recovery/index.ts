// recovery/: the real HealTarget (remedy handlers from a pure context to a typed VmChange,
// carried out by a VmBackend: QEMU's applies configuration changes, qemu-img snapshots,
// golden copies and image/ repairs, and boots through the supervisor) and the
// glue that takes one failed boot through diagnosis and healing.
export { createQemuHealTarget, LAST_GOOD_SNAPSHOT } from './qemu-heal-target.ts';
export type { QemuHealTarget, QemuHealTargetOptions } from './qemu-heal-target.ts';
export type { VmBackend, VmChange, BootRequest, BootRun } from './vm-change.ts';
export { patchSpec } from './vm-change.ts';
// Boots through the supervisor over whatever hypervisor `deps` holds (libvirt's backend reuses it).
export { createQemuBackend } from './qemu-backend.ts';
export { healBoot } from './heal-boot.ts';
export type { HealBootInput, HealBootResult } from './heal-boot.ts';
export { evidenceFor, diskIntegrity } from './evidence.ts';
export { fingerprintSpec, loadLastGood, saveLastGood, plainSpec, specFrom, withAppend } from './vm-config.ts';
export type { LastGood } from './vm-config.ts';
export { openIncidents } from './incidents.ts';
export { recoveryErrors } from './errors.ts';
