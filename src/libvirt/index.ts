// libvirt/'s only door: libvirt as a second backend behind the Hypervisor interface.
// virsh subprocesses (through core's host-tool runner) for discovery and events, the
// domain's virtlogd serial log for the console. Watching never acts on a domain; acting
// (start, destroy) needs the domain's opt-in.
export { libvirtErrors, START_LIBVIRTD } from './errors.ts';
export { virsh, virshSync, virshStream, virshError, DEFAULT_URI } from './virsh.ts';
export type { VirshOptions } from './virsh.ts';
export { parseEventLine } from './event-line.ts';
export type { LibvirtEvent, LifecycleName } from './event-line.ts';
export { tailLog, logProblem } from './log-tailer.ts';
export type { LogTailer, LogTailOptions } from './log-tailer.ts';
export { parseDomainXml, serialLogFix, suggestedLogPath } from './domain-xml.ts';
export type { DomainXml } from './domain-xml.ts';
export { parseBootmedicMetadata, optInOf, BOOTMEDIC_NS } from './metadata.ts';
export type { BootmedicMetadata, DomainQos, OptIn } from './metadata.ts';
export { domainSpec, vmNameOf } from './domain-spec.ts';
export { createEventHub } from './event-hub.ts';
export type { EventHub, HubEvent } from './event-hub.ts';
export { attachDomain, parseDomstate, LIFECYCLE_EVENT } from './domain-process.ts';
export type { DomainProcessOptions } from './domain-process.ts';
export { createLibvirtHypervisor, domainXml, noSerialLog, logSize } from './libvirt-hypervisor.ts';
export type { LibvirtHypervisor, LibvirtHypervisorOptions } from './libvirt-hypervisor.ts';
export { listDomains, describeDomain } from './discovery.ts';
export type { DomainEntry } from './discovery.ts';
export { watchLibvirt } from './watch.ts';
export type { LibvirtWatchEvent, LibvirtWatchOptions, LibvirtWatchTotals } from './watch.ts';
// Healing through libvirt (heal/): the libvirt VmBackend, pure domain XML edits, libvirt drills.
export { createLibvirtBackend, domainEditFor, loadLibvirtLastGood, libvirtStateDir } from './heal/backend.ts';
export type { LibvirtBackendOptions, LibvirtLastGood } from './heal/backend.ts';
export { domainFacts, editDomainXml } from './heal/domain-edit.ts';
export type { DomainFacts, DomainDisk, DomainEdit } from './heal/domain-edit.ts';
export { createLibvirtDrillMachines, LIBVIRT_DRILL_ROOT } from './heal/drill-machines.ts';
export type { LibvirtDrillMachines } from './heal/drill-machines.ts';
export { drillDomainXml, OPT_IN_METADATA } from './heal/drill-domain.ts';
export { applyDomainTunes, isLocalUri, tuneHostFor } from './heal/domain-tunes.ts';
export type { DomainTuneResult } from './heal/domain-tunes.ts';
export { libvirtHealErrors } from './heal/errors.ts';
export { openDomainHealTarget, healDomain, libvirtHealer } from './heal/heal-domain.ts';
export type { DomainHealOptions, DomainHealTarget, LibvirtHealer } from './heal/heal-domain.ts';
