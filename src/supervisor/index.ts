// supervisor/: drives one VM's boots through the hypervisor, feeding console bytes to
// console/ → signatures/ → boot/, and QMP events and the QEMU exit to boot/; writes each
// outcome to the run folder, the store and the ledger.
export { superviseVm } from './supervise.ts';
export type { SupervisorDeps, SuperviseOptions } from './supervise.ts';
export type { BootOutcome, OutcomeStatus, OutcomeCause, SupervisorEvent, QmpEventRecord } from './outcome.ts';
export { isNoVerdict, verdictAtOf } from './outcome.ts';
export { lockVm, vmDirOf } from './vm-lock.ts';
export type { VmLock } from './vm-lock.ts';
export { supervisorErrors } from './errors.ts';
export { imageKeyOf } from './image-key.ts';
export { createConsoleFeed } from './console-feed.ts';
export type { ConsoleFeed } from './console-feed.ts';
