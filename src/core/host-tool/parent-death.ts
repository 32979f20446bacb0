// The kernel's parent-death signal for a child of bootmedic: util-linux `setpriv --pdeathsig
// KILL` sets PR_SET_PDEATHSIG and then execs the program, so the kernel kills it when our
// process dies in a way no exit hook sees (SIGKILL, an OOM kill). PR_SET_PDEATHSIG survives
// execve for programs that are not setuid (prctl(2)). QEMU and the long-lived virsh event
// streams are started this way.
import { existsSync } from 'node:fs';

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/** Wraps a command so the kernel SIGKILLs it when bootmedic dies; unchanged (guarded false) when setpriv is absent. */
export function withParentDeathSignal(cmd: string, args: readonly string[]): { cmd: string; args: string[]; guarded: boolean } {
  if (SETPRIV === undefined) return { cmd, args: [...args], guarded: false };
  return { cmd: SETPRIV, args: ['--pdeathsig', 'KILL', '--', cmd, ...args], guarded: true };
}

/** setpriv's answer when it could not exec the program (util-linux: exit 127 and "failed to execute" for a missing one). */
export const setprivExecFailed = (code: number, stderr: string): boolean => code === 127 && /^setpriv: failed to execute/m.test(stderr);
