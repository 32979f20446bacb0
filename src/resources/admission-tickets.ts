// The admission queue on disk, so that every bootmedic on the host (a service, a `boot` in
// a terminal) waits in one FIFO: each waiter leaves a ticket <home>/admission-queue/<id>.json
// (vm, memory, headroom, arrival, pid) and removes it when it is admitted, refused or
// aborted. A ticket whose process is gone (kill -9) is stale and holds no one back.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, readGuardedText, writeFileAtomic } from '../core/index.ts';
import type { QueueTicket } from './admission-queue.ts';

const queueDir = (home: string) => join(home, 'admission-queue');


/** Puts a waiter in the queue; returns its ticket and the function that takes it out. */
export function enqueueTicket(home: string, t: Omit<QueueTicket, 'id'>, pid = process.pid): { ticket: QueueTicket; remove: () => void } {
  // The arrival time first, zero-padded: file names sort as arrivals do.
  const id = `${String(Math.max(0, Math.floor(t.enqueuedAtMs))).padStart(15, '0')}-${pid}-${randomBytes(3).toString('hex')}`;
  const ticket: QueueTicket = { ...t, id };
  const dir = queueDir(home);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${id}.json`);
  writeFileAtomic(path, `${JSON.stringify({ ...ticket, pid })}\n`, { sync: false });
  return { ticket, remove: () => rmSync(path, { force: true }) };
}

/** The tickets of waiters whose process is alive, in no particular order. */
export function liveTickets(home: string): QueueTicket[] {
  const dir = queueDir(home);
  if (!existsSync(dir)) return [];
  const out: QueueTicket[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    let t: QueueTicket & { pid?: unknown };
    try {
      t = JSON.parse(readGuardedText(join(dir, f), { what: 'admission ticket', maxBytes: 4096 })) as QueueTicket & { pid?: unknown };
    } catch {
      continue; // a torn or foreign file holds no one back
    }
    if (typeof t.pid !== 'number' || !Number.isSafeInteger(t.pid) || !processAlive(t.pid)) continue;
    if (typeof t.id !== 'string' || typeof t.vm !== 'string' || ![t.memoryMiB, t.headroomMiB, t.enqueuedAtMs].every((n) => typeof n === 'number' && Number.isFinite(n))) continue;
    out.push({ id: t.id, vm: t.vm, memoryMiB: t.memoryMiB, headroomMiB: t.headroomMiB, enqueuedAtMs: t.enqueuedAtMs });
  }
  return out;
}
