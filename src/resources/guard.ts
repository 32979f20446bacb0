// The resource guard the QEMU hypervisor consults around each launch: admission before
// anything is made for the boot (refused at once, or queued until memory frees, as the
// policy says), then, right after spawn, the VM's reservation, its CPU priority below
// bootmedic's own (vm-priority.ts) and its cgroup.
import { setTimeout as sleep } from 'node:timers/promises';
import { assertNever } from '../core/index.ts';
import { admit, type HostMemory } from './admission.ts';
import { decideQueued } from './admission-queue.ts';
import { enqueueTicket, liveTickets } from './admission-tickets.ts';
import { cgroupPlan, placeInCgroup, probeCgroup, type CgroupProbe, type QosInput } from './cgroup.ts';
import { cgroupV1Files, placeInCgroupV1 } from './cgroup-v1.ts';
import { resourcesErrors } from './errors.ts';
import { readHostMemory, reserve } from './host-memory.ts';
import { ioMaxLines } from './io-devices.ts';
import { DEFAULT_VM_NICE, lowerVmPriority } from './vm-priority.ts';

/** The default memory kept free beside a new VM, in MiB. */
export const DEFAULT_HEADROOM_MIB = 256;

/** What a boot that does not fit does: refused at once, or queued (FIFO) for up to `queueTimeoutSeconds`, re-checked every `recheckSeconds`. */
export type AdmissionPolicy = Readonly<{ onNoFit: 'refuse' | 'queue'; queueTimeoutSeconds: number; recheckSeconds?: number | undefined }>;

/** The default: refuse at once (a boot in a terminal should not hang silently). */
export const DEFAULT_ADMISSION = Object.freeze({ onNoFit: 'refuse', queueTimeoutSeconds: 300, recheckSeconds: 5 }) satisfies Required<AdmissionPolicy>;

/** The policy from layers in order of precedence (environment, then the service config), each field from the first layer that sets it, else the default. */
export function resolveAdmission(...layers: ReadonlyArray<Partial<AdmissionPolicy> | undefined>): AdmissionPolicy {
  const pick = <K extends keyof AdmissionPolicy>(k: K): AdmissionPolicy[K] => (layers.find((l) => l?.[k] !== undefined)?.[k] ?? DEFAULT_ADMISSION[k]) as AdmissionPolicy[K];
  return { onNoFit: pick('onNoFit'), queueTimeoutSeconds: pick('queueTimeoutSeconds'), recheckSeconds: pick('recheckSeconds') };
}

/** What a queued boot goes through, for the fleet and the log. */
export type AdmissionEvent =
  | Readonly<{ type: 'queued'; vm: string; position: number; ahead: readonly string[]; reason: string; waitedMs: number }>
  | Readonly<{ type: 'admitted'; vm: string; waitedMs: number }>
  | Readonly<{ type: 'refused'; vm: string; reason: string; waitedMs: number }>;

/** Time for the queue; tests pass a fake one (no wall-clock waits in unit tests). */
export type GuardClock = Readonly<{ now: () => number; sleep: (ms: number, signal?: AbortSignal) => Promise<void> }>;
const realClock: GuardClock = { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : {}) };

/** The fields of a VM the guard reads (a VmSpec has them). */
export type GuardedVm = QosInput & Readonly<{ admissionHeadroomMiB?: number | undefined }>;

/** What the guard needs; tests replace the host's figures and the cgroup root. */
export type ResourceGuardOptions = Readonly<{
  home: string;
  /** Memory kept free beside a new VM unless its file says otherwise (default 256 MiB). */
  headroomMiB?: number;
  /** The cgroup v2 hierarchy bootmedic makes its cgroups under, or the folder its cgroup v1 hierarchies are mounted in (default /sys/fs/cgroup). */
  cgroupRoot?: string;
  /** The host's memory for admitting `vm` (default: /proc/meminfo and the live reservations). */
  hostMemory?: (vm: string) => HostMemory;
  /** Where a one-time "not available here" line goes. */
  notice?: (line: string) => void;
  /** Refuse or queue a boot that does not fit (read at each admission, so a reload takes effect; default refuse). */
  admission?: () => AdmissionPolicy;
  /** Each queued boot's progress: queued (and each change of place), admitted, refused. */
  onAdmission?: (e: AdmissionEvent) => void;
  /** How many nice levels below bootmedic QEMU runs, 0 to 19 (read at each launch, so a reload takes effect; default 10). */
  vmNice?: () => number;
  clock?: GuardClock;
}>;

/** Admission and placement around one launch. */
export type ResourceGuard = Readonly<{
  /**
   * Resolves when the VM may boot. When it does not fit: RESOURCES_ADMISSION_REFUSED (with
   * the figures) at once, or, with the queue policy, after waiting in the FIFO until it fits
   * or the timeout passes (the refusal then says how long it waited). Aborting the signal
   * leaves the queue.
   */
  admit(vm: GuardedVm, signal?: AbortSignal): Promise<void>;
  /**
   * After spawn, before the CPUs start: records the reservation, lowers QEMU's CPU priority
   * `vmNice` levels below bootmedic's and applies the QoS cgroup
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
 * await guard.admit(spec, signal); // RESOURCES_ADMISSION_REFUSED: VM big needs 4096 MiB + 256 MiB headroom, host has 3100 MiB available
 */
export function createResourceGuard(o: ResourceGuardOptions): ResourceGuard {
  const headroom = (v: GuardedVm) => v.admissionHeadroomMiB ?? o.headroomMiB ?? DEFAULT_HEADROOM_MIB;
  const host = o.hostMemory ?? ((vm: string) => readHostMemory(o.home, vm));
  let probe: CgroupProbe | undefined;
  const cgroup = () => (probe ??= probeCgroup(o.cgroupRoot ?? '/sys/fs/cgroup'));
  const once = () => {
    let told = false;
    return (line: string) => {
      if (told) return;
      told = true;
      o.notice?.(line);
    };
  };
  /** One line, once per guard: what this host's cgroups cannot do. */
  const tell = once();
  /** One line, once per guard: a VM's priority could not be lowered (it boots anyway). */
  const tellNice = once();
  const clock = o.clock ?? realClock;
  const refused = (reason: string) => resourcesErrors.make('RESOURCES_ADMISSION_REFUSED', `${reason}; QEMU was not started`);

  /** Waits in the FIFO until the pure decision admits or refuses this boot. */
  async function queued(v: GuardedVm, policy: AdmissionPolicy, signal: AbortSignal | undefined): Promise<void> {
    const { ticket, remove } = enqueueTicket(o.home, { vm: v.name, memoryMiB: v.memoryMiB, headroomMiB: headroom(v), enqueuedAtMs: clock.now() });
    try {
      let place: number | undefined;
      for (;;) {
        signal?.throwIfAborted();
        const d = decideQueued(ticket, liveTickets(o.home), host(v.name), clock.now(), policy.queueTimeoutSeconds * 1000);
        switch (d.type) {
          case 'admit':
            if (place !== undefined) o.onAdmission?.({ type: 'admitted', vm: v.name, waitedMs: d.waitedMs });
            return;
          case 'refuse':
            o.onAdmission?.({ type: 'refused', vm: v.name, reason: d.reason, waitedMs: d.waitedMs });
            throw refused(d.reason);
          case 'wait':
            if (place !== d.position) o.onAdmission?.({ type: 'queued', vm: v.name, position: d.position, ahead: d.ahead, reason: d.reason, waitedMs: d.waitedMs });
            place = d.position;
            // The next check comes at the recheck interval, or at the deadline when that is sooner.
            await clock.sleep(Math.min((policy.recheckSeconds ?? DEFAULT_ADMISSION.recheckSeconds) * 1000, Math.max(0, ticket.enqueuedAtMs + policy.queueTimeoutSeconds * 1000 - clock.now())), signal);
            break;
          default:
            assertNever(d);
        }
      }
    } finally {
      remove();
    }
  }

  return {
    async admit(v, signal) {
      const policy = o.admission?.() ?? DEFAULT_ADMISSION;
      if (policy.onNoFit === 'queue') {
        // No overtaking: a boot that fits still goes behind waiters that are already queued.
        if (liveTickets(o.home).length > 0) return queued(v, policy, signal);
      }
      const a = admit({ vm: v.name, memoryMiB: v.memoryMiB, headroomMiB: headroom(v) }, host(v.name));
      if (a.type === 'admit') return;
      if (policy.onNoFit === 'refuse') throw refused(a.reason);
      return queued(v, policy, signal);
    },
    place(v, pid, disks = []) {
      const unreserve = reserve(o.home, { vm: v.name, pid, memoryMiB: v.memoryMiB, qos: v.qos });
      const nice = o.vmNice?.() ?? DEFAULT_VM_NICE;
      try {
        lowerVmPriority(pid, nice);
      } catch (e) {
        tellNice(`VM ${v.name}: QEMU's priority could not be lowered ${nice} nice levels below bootmedic's (${(e as Error).message}); some of its threads may run at bootmedic's priority`);
      }
      if (!wantsCgroup(v)) return unreserve;
      const c = cgroup();
      const ioLines = c.type !== 'unavailable' && c.io ? ioMaxLines(disks, v.limits ?? {}) : [];
      let release: () => void;
      try {
        switch (c.type) {
          case 'v2':
            release = placeInCgroup(c.root, v, pid, ioLines).release;
            break;
          case 'v1':
            release = placeInCgroupV1(c.mounts, v.name, cgroupV1Files(cgroupPlan(v), ioLines), pid).release;
            if (v.qos === 'guaranteed') tell(`QoS under cgroup v1 (${c.mounts.cpu}, ${c.mounts.memory}): v1 has no memory.min, so VM ${v.name}'s memory is capped (memory.limit_in_bytes) and its soft limit set at its size, not protected from reclaim`);
            break;
          case 'unavailable':
            tell(`QoS cgroups not available here: ${c.why}; VM ${v.name} runs without its ${v.qos} limits`);
            return unreserve;
          default:
            return assertNever(c);
        }
      } catch (e) {
        unreserve();
        throw e;
      }
      return () => {
        release();
        unreserve();
      };
    },
    cgroup,
  };
}
