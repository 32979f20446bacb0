// The resource guard the QEMU hypervisor consults around each launch: admission before
// anything is made for the boot, then the VM's reservation and its cgroup right after spawn.
import { admit, type HostMemory } from './admission.ts';
import { placeInCgroup, probeCgroup, type CgroupProbe, type QosInput } from './cgroup.ts';
import { resourcesErrors } from './errors.ts';
import { readHostMemory, reserve } from './host-memory.ts';
import { ioMaxLines } from './io-devices.ts';

/** The default memory kept free beside a new VM, in MiB. */
export const DEFAULT_HEADROOM_MIB = 256;

/** The fields of a VM the guard reads (a VmSpec has them). */
export type GuardedVm = QosInput & Readonly<{ admissionHeadroomMiB?: number | undefined }>;

/** What the guard needs; tests replace the host's figures and the cgroup root. */
export type ResourceGuardOptions = Readonly<{
  home: string;
  /** Memory kept free beside a new VM unless its file says otherwise (default 256 MiB). */
  headroomMiB?: number;
  /** The cgroup v2 hierarchy bootmedic makes its cgroups under (default /sys/fs/cgroup). */
  cgroupRoot?: string;
  /** The host's memory for admitting `vm` (default: /proc/meminfo and the live reservations). */
  hostMemory?: (vm: string) => HostMemory;
  /** Where a one-time "not available here" line goes. */
  notice?: (line: string) => void;
}>;

/** Admission and placement around one launch. */
export type ResourceGuard = Readonly<{
  /** Throws RESOURCES_ADMISSION_REFUSED (with the figures) when the VM does not fit. */
  admit(vm: GuardedVm): void;
  /**
   * After spawn, before the CPUs start: records the reservation and applies the QoS cgroup
   * (io.max on the disks under `disks`: the images and the run folder with their overlays);
   * returns the function that undoes both, for when QEMU has exited. RESOURCES_CGROUP_FAILED when a limit cannot be written.
   */
  place(vm: GuardedVm, pid: number, disks?: readonly string[]): () => void;
  /** Whether cgroup QoS can be applied here (probed on first need). */
  cgroup(): CgroupProbe;
}>;

/** True when the VM asks for anything a cgroup carries (a burstable VM without limits asks for nothing). */
const wantsCgroup = (v: QosInput) => v.qos === 'guaranteed' || v.limits?.cpus !== undefined || v.limits?.memoryMiB !== undefined || v.limits?.iops !== undefined || v.limits?.bytesPerSecond !== undefined;

/**
 * Creates the guard.
 *
 * @example
 * const guard = createResourceGuard({ home: app.home });
 * guard.admit(spec); // RESOURCES_ADMISSION_REFUSED: VM big needs 4096 MiB + 256 MiB headroom, host has 3100 MiB available
 */
export function createResourceGuard(o: ResourceGuardOptions): ResourceGuard {
  const headroom = (v: GuardedVm) => v.admissionHeadroomMiB ?? o.headroomMiB ?? DEFAULT_HEADROOM_MIB;
  const host = o.hostMemory ?? ((vm: string) => readHostMemory(o.home, vm));
  let probe: CgroupProbe | undefined;
  const cgroup = () => (probe ??= probeCgroup(o.cgroupRoot ?? '/sys/fs/cgroup'));
  let told = false;
  return {
    admit(v) {
      const a = admit({ vm: v.name, memoryMiB: v.memoryMiB, headroomMiB: headroom(v) }, host(v.name));
      if (a.type === 'refuse') throw resourcesErrors.make('RESOURCES_ADMISSION_REFUSED', `${a.reason}; QEMU was not started`);
    },
    place(v, pid, disks = []) {
      const unreserve = reserve(o.home, { vm: v.name, pid, memoryMiB: v.memoryMiB, qos: v.qos });
      if (!wantsCgroup(v)) return unreserve;
      const c = cgroup();
      if (c.type === 'available') {
        let release: () => void;
        try {
          release = placeInCgroup(c.root, v, pid, c.io ? ioMaxLines(disks, v.limits ?? {}) : []).release;
        } catch (e) {
          unreserve();
          throw e;
        }
        return () => {
          release();
          unreserve();
        };
      }
      if (!told) {
        told = true;
        o.notice?.(`QoS (cgroup v2) not available here: ${c.why}; VM ${v.name} runs without its ${v.qos} limits`);
      }
      return unreserve;
    },
    cgroup,
  };
}
