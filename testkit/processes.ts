// Process checks for tests that kill bootmedic with -9: what it had started, and whether
// that is still running afterwards.
import { readdirSync, readFileSync } from 'node:fs';

/** The pids of `pid`'s descendants, with their command names (from /proc). */
export function descendants(pid: number): { pid: number; comm: string }[] {
  const kids = new Map<number, { pid: number; comm: string }[]>();
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const m = /^\S+ \((.*)\) \S (\d+)/.exec(readFileSync(`/proc/${p}/stat`, 'utf8'));
      if (m === null) continue;
      const ppid = Number(m[2]);
      kids.set(ppid, [...(kids.get(ppid) ?? []), { pid: Number(p), comm: m[1]! }]);
    } catch {
      // gone meanwhile
    }
  }
  const out: { pid: number; comm: string }[] = [];
  const walk = (p: number) => (kids.get(p) ?? []).forEach((c) => (out.push(c), walk(c.pid)));
  walk(pid);
  return out;
}

/** True while `pid` runs (a zombie left for init to reap does not run). */
export function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Waits (checking every 100 ms, up to `ms`) until none of `pids` runs; returns those still running. */
export async function stillRunning(pids: readonly number[], ms = 10_000): Promise<number[]> {
  for (let t = 0; t < ms && pids.some(isRunning); t += 100) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(isRunning);
}

/** The pids in process group `pgid` (a browser started detached leads its own group, with its helper processes in it). */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      // /proc/<pid>/stat: pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') out.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
