// libvirt/'s only door: libvirt as a second backend behind the Hypervisor interface.
// virsh subprocesses (through core's host-tool runner) for discovery and events, the
// domain's virtlogd serial log for the console.
export { libvirtErrors } from './errors.ts';
export { virsh, virshSync, virshStream, virshError, DEFAULT_URI } from './virsh.ts';
export type { VirshOptions } from './virsh.ts';
