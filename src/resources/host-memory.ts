// The host's memory as admission sees it: MemAvailable from /proc/meminfo, less what the
// running guaranteed VMs bootmedic launched have reserved and not yet touched. Each launch
// leaves a reservation file (<home>/reservations/<vm>.json: pid, memory, class) that its
// exit removes; one whose process is gone is stale and counts for nothing.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readGuardedText, writeFileAtomic } from '../core/index.ts';
import type { HostMemory } from './admission.ts';
import { resourcesErrors } from './errors.ts';

/** A running VM's claim on memory, as its launch recorded it. */
export type Reservation = Readonly<{ vm: string; pid: number; memoryMiB: number; qos: 'guaranteed' | 'burstable' }>;

/** MemAvailable of a /proc/meminfo text, in MiB. */
export function parseMemAvailableMiB(meminfo: string): number {
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(meminfo);
  if (m === null) throw resourcesErrors.make('RESOURCES_HOST_UNREADABLE', '/proc/meminfo: no "MemAvailable: <n> kB" line');
  return Math.floor(Number(m[1]) / 1024);
}

/** Resident memory of a process in MiB (VmRSS of /proc/<pid>/status), or undefined when it is gone. */
function rssMiB(pid: number, proc: string): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(join(proc, String(pid), 'status'), 'utf8'));
    return m === null ? 0 : Math.floor(Number(m[1]) / 1024);
  } catch {
    return undefined;
  }
}

const reservationsDir = (home: string) => join(home, 'reservations');
/** A reservation file, through the guarded open: a FIFO or a folder put in its place is an error (skipped), never a hang. */
const readReservation = (path: string) => readGuardedText(path, { what: 'reservation', maxBytes: 4096 });

/** Records a launched VM's reservation; returns the function that removes it. */
export function reserve(home: string, r: Reservation): () => void {
  const dir = reservationsDir(home);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${r.vm}.json`);
  writeFileAtomic(path, `${JSON.stringify(r)}\n`, { sync: false });
  return () => {
    // Only our own: a later launch of the same VM may have replaced it.
    try {
      const now = JSON.parse(readReservation(path)) as Partial<Reservation>;
      if (now.pid === r.pid) rmSync(path, { force: true });
    } catch {
      /* already gone */
    }
  };
}

/** The reservations of running VMs (their process still alive), except `exceptVm`'s. */
export function liveReservations(home: string, exceptVm?: string, proc = '/proc'): { r: Reservation; rssMiB: number }[] {
  const dir = reservationsDir(home);
  if (!existsSync(dir)) return [];
  const out: { r: Reservation; rssMiB: number }[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    let r: Reservation;
    try {
      r = JSON.parse(readReservation(join(dir, f))) as Reservation;
    } catch {
      continue; // a torn or foreign file reserves nothing
    }
    if (r.vm === exceptVm || !Number.isSafeInteger(r.pid) || typeof r.memoryMiB !== 'number') continue;
    const rss = rssMiB(r.pid, proc);
    if (rss !== undefined) out.push({ r, rssMiB: rss });
  }
  return out;
}

/**
 * The host's memory for admitting `vm`: MemAvailable, and the part of each running
 * guaranteed VM's memory it has not touched yet (what it touched is already out of MemAvailable).
 */
export function readHostMemory(home: string, vm: string, paths: { meminfo?: string; proc?: string } = {}): HostMemory {
  const meminfo = paths.meminfo ?? '/proc/meminfo';
  let text: string;
  try {
    text = readFileSync(meminfo, 'utf8');
  } catch (e) {
    throw resourcesErrors.make('RESOURCES_HOST_UNREADABLE', `${meminfo}: ${(e as Error).message}`, { cause: e });
  }
  const reservedMiB = liveReservations(home, vm, paths.proc)
    .filter(({ r }) => r.qos === 'guaranteed')
    .reduce((s, { r, rssMiB }) => s + Math.max(0, r.memoryMiB - rssMiB), 0);
  const total = /^MemTotal:\s+(\d+) kB$/m.exec(text);
  return { availableMiB: parseMemAvailableMiB(text), reservedMiB, ...(total !== null ? { totalMiB: Math.floor(Number(total[1]) / 1024) } : {}) };
}
