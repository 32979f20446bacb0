// libvirt/'s only door: libvirt as a second backend behind the Hypervisor interface.
// virsh subprocesses (through core's host-tool runner) for discovery and events, the
// domain's virtlogd serial log for the console.
export { libvirtErrors } from './errors.ts';
export { virsh, virshSync, virshStream, virshError, DEFAULT_URI } from './virsh.ts';
export type { VirshOptions } from './virsh.ts';
// Healing through libvirt (heal/): the libvirt VmBackend, pure domain XML edits, libvirt drills.
export { createLibvirtBackend, domainEditFor, loadLibvirtLastGood, libvirtStateDir } from './heal/backend.ts';
export type { LibvirtBackendOptions, LibvirtLastGood } from './heal/backend.ts';
export { domainFacts, editDomainXml } from './heal/domain-edit.ts';
export type { DomainFacts, DomainDisk, DomainEdit } from './heal/domain-edit.ts';
export { createLibvirtDrillMachines, LIBVIRT_DRILL_ROOT } from './heal/drill-machines.ts';
export type { LibvirtDrillMachines } from './heal/drill-machines.ts';
export { drillDomainXml, OPT_IN_METADATA } from './heal/drill-domain.ts';
export { libvirtHealErrors } from './heal/errors.ts';
