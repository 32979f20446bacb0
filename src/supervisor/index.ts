// supervisor/: drives one VM's boots through the hypervisor, feeding console bytes to
// console/ → signatures/ → boot/, and QMP events and the QEMU exit to boot/; writes each
// outcome to the run folder, the store and the ledger.
export { superviseVm } from './supervise.ts';
export type { SupervisorDeps, SuperviseOptions } from './supervise.ts';
export type { BootOutcome, SupervisorEvent, QmpEventRecord } from './outcome.ts';
export { imageKeyOf } from './image-key.ts';
export { createConsoleFeed } from './console-feed.ts';
export type { ConsoleFeed } from './console-feed.ts';
