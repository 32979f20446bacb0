// No QEMU outlives bootmedic. Three layers, because no single one covers every death:
// 1. stop()/abort: QMP quit, then SIGTERM, then SIGKILL (process.ts).
// 2. A process 'exit' hook SIGKILLs every child still alive, synchronously. It runs on a
//    normal exit, process.exit() and an uncaught exception of ours.
// 3. QEMU is started through util-linux `setpriv --pdeathsig KILL` (core's
//    `withParentDeathSignal`), so the kernel kills it when our process dies in a way no
//    hook sees (SIGKILL, SIGINT without a handler).
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const c of live) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  live.clear();
}

/** Tracks a child until it exits; the exit hook SIGKILLs it if we exit first. */
export function trackChild(child: ChildProcess): void {
  if (!hooked) {
    process.on('exit', killAll);
    hooked = true;
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** Number of tracked children still alive (for tests). */
export function liveChildren(): number {
  return live.size;
}
