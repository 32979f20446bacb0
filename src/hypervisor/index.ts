// The hypervisor part's only door: the Hypervisor interface and its QEMU backend.
export type { Accel, AccelVerdict, ExitInfo, GuestArtifacts, GuestSource, Hypervisor, LaunchOptions, UefiFirmware, VmEvent, VmProcess } from './types.ts';
export { hvErrors } from './errors.ts';
export {
  createQemuHypervisor,
  connectQmp,
  createOverlay,
  createSnapshot,
  revertSnapshot,
  deleteSnapshot,
  listSnapshots,
  imageInfo,
  checkImage,
  qemuExitReason,
  liveChildren,
} from './qemu/index.ts';
export type { QemuOptions, QmpClient, QmpEvent, QmpGreeting, Snapshot, CheckResult } from './qemu/index.ts';
