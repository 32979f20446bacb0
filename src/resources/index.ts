// resources/: the resource guard. Admission before a boot (memory plus headroom must fit
// the host's available memory), and QoS classes applied with cgroup v2 (or mapped onto
// cgroup v1 hierarchies) where bootmedic launches QEMU. Depends on core only.
export { admit, growMemory, usableMiB } from './admission.ts';
export type { Admission, AdmissionRequest, Growth, HostMemory } from './admission.ts';
export { cgroupPlan, placeInCgroup, probeCgroup, QEMU_OVERHEAD_MIB } from './cgroup.ts';
export type { CgroupFile, CgroupProbe, QosInput } from './cgroup.ts';
export type { V1Mounts } from './cgroup-v1.ts';
export { createResourceGuard, DEFAULT_ADMISSION, DEFAULT_HEADROOM_MIB, resolveAdmission } from './guard.ts';
export type { AdmissionEvent, AdmissionPolicy, GuardClock, GuardedVm, ResourceGuard, ResourceGuardOptions } from './guard.ts';
export { decideQueued } from './admission-queue.ts';
export type { QueueDecision, QueueTicket } from './admission-queue.ts';
export { blkioHasWeight, ioMaxLines, wholeDiskOf, wholeDiskPaths } from './io-devices.ts';
export { libvirtTuneCalls, libvirtTunes, libvirtTuneXml } from './libvirt-tunes.ts';
export type { KiBLimit, LibvirtTunes, ThrottledDevice, TuneHost } from './libvirt-tunes.ts';
export { liveReservations, parseMemAvailableMiB, readHostMemory } from './host-memory.ts';
export { resourcesErrors } from './errors.ts';
export { DEFAULT_VM_NICE } from './vm-priority.ts';
