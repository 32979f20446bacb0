import { defineErrors } from '../core/index.ts';

/** Error codes of resources/: admission of a VM before it boots, and its QoS limits. */
export const resourcesErrors = defineErrors('resources', {
  RESOURCES_ADMISSION_REFUSED: {
    cause:
      "The VM's memory plus the admission headroom does not fit the host's available memory (MemAvailable in /proc/meminfo, less what running guaranteed VMs bootmedic launched have reserved and not yet used); QEMU was not started. With the queue policy (resources.admission.onNoFit: queue in the service config, or BOOTMEDIC_ADMISSION_ON_NO_FIT=queue) the boot first waited in the admission queue until its timeout, and the message says how long. The message gives the figures. Exit code 75 (busy): the host is short now, and the same boot fits once other VMs stop or memory is freed.",
    fix: 'Free memory on the host or stop another VM and run it again; or lower memoryMiB in the VM file; the headroom is admissionHeadroomMiB in the VM file or BOOTMEDIC_ADMISSION_HEADROOM_MIB (default 256); to wait for memory instead of failing, set onNoFit: queue (and queueTimeoutSeconds) under resources.admission in the service config, or BOOTMEDIC_ADMISSION_ON_NO_FIT=queue.',
    exit: 'busy',
  },
  RESOURCES_HOST_UNREADABLE: {
    cause: "The host's memory figures (/proc/meminfo MemAvailable) cannot be read, so admission cannot decide.",
    fix: 'bootmedic needs a Linux /proc; check that /proc is mounted and readable.',
    exit: 'unavailable',
  },
  RESOURCES_CGROUP_FAILED: {
    cause: "The VM's QoS class asks for cgroup limits (cgroup v2, or their cgroup v1 equivalents in the cpu, memory and blkio hierarchies) and writing them failed part-way (a controller not enabled for bootmedic's cgroup, a read-only cgroup file system, a limit the kernel refused); QEMU was stopped.",
    fix: "Check the file and the value named in the message; give bootmedic a delegated cgroup v2 subtree (BOOTMEDIC_CGROUP_ROOT) with the cpu and memory controllers enabled, or writable cgroup v1 cpu and memory hierarchies under the cgroup root; or set qos: burstable without limits.",
    exit: 'unavailable',
  },
});
