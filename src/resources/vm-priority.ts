// The CPU priority of the QEMU processes bootmedic launches: they run `vmNice` nice levels
// below bootmedic itself (nice(1)'s meaning of an increment), so that when the host's CPUs
// are contended (several TCG guests booting on few cores) bootmedic's own event loop, which
// serves the API, detects verdicts and heals, is not starved by the VMs it watches. Nice
// orders threads only within their scheduling group (the cgroup, or the session's autogroup
// when the kernel has autogroups), so it weighs QEMU against bootmedic and the processes
// beside it, not against the rest of the host; a VM placed in its own QoS cgroup keeps its
// group's share. When nothing else wants the CPU, a niced VM runs at full speed.
import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** How many nice levels below bootmedic its QEMU processes run by default. */
export const DEFAULT_VM_NICE = 10;

/** The highest nice value Linux has (the lowest priority). */
const NICE_MAX = 19;

/** The nice value a VM of a bootmedic at `own` gets: `own + increment`, at most 19. */
export const vmNiceValue = (own: number, increment: number): number => Math.min(NICE_MAX, own + increment);

/** The ids of a process's threads, or none when it is gone. */
function threadsOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
}

/**
 * Sets the nice value of every thread of `pid` (Linux's nice is per thread, and a thread
 * inherits its creator's: QEMU's vCPU threads exist while its CPUs are paused, later ones are
 * created from threads reniced here). Threads that appear meanwhile are caught by listing
 * again until no new one shows. Returns the threads changed; a process or thread that is gone
 * is skipped (its exit is reported elsewhere).
 */
export function reniceThreads(pid: number, nice: number): number {
  const done = new Set<number>();
  for (let round = 0; round < 10; round++) {
    const fresh = threadsOf(pid).filter((t) => !done.has(t));
    if (fresh.length === 0) break;
    for (const tid of fresh) {
      done.add(tid);
      try {
        setPriority(tid, nice);
      } catch (e) {
        // ESRCH: the thread ended between the listing and now.
        if ((e as { info?: { code?: string } }).info?.code !== 'ESRCH') throw e;
      }
    }
  }
  return done.size;
}

/** Lowers a launched VM's priority `increment` levels below this process's own; nothing when the increment is 0. */
export function lowerVmPriority(pid: number, increment: number): void {
  if (increment <= 0) return;
  reniceThreads(pid, vmNiceValue(getPriority(), increment));
}
