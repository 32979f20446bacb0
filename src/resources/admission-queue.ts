// Queuing instead of refusing: a boot that does not fit waits in a FIFO until memory frees,
// up to a timeout, re-checked on each tick. This file is the decision for one waiter at one
// tick, pure: the tickets in the queue, the host's memory and the time in, admit / wait /
// refuse out. The waiting loop (guard.ts) reads the tickets and the memory and sleeps.
//
// Strict FIFO: the waiters are taken in order of arrival, each against what the host has
// less what the waiters before it in this tick are admitted with; the first that does not
// fit holds everyone behind it (no overtaking, so a big VM is not starved by small ones). A
// VM that needs more than the host has in all never waits: it is refused at once.
import { admit, usableMiB, type HostMemory } from './admission.ts';

/** One boot waiting for admission. */
export type QueueTicket = Readonly<{
  /** Unique and ordered with the arrival among tickets of one time (a file name). */
  id: string;
  vm: string;
  memoryMiB: number;
  headroomMiB: number;
  enqueuedAtMs: number;
}>;

/** The queue's answer for one waiter at one tick. */
export type QueueDecision =
  | Readonly<{ type: 'admit'; needMiB: number; haveMiB: number; waitedMs: number }>
  | Readonly<{ type: 'wait'; position: number; ahead: readonly string[]; reason: string; waitedMs: number }>
  | Readonly<{ type: 'refuse'; reason: string; waitedMs: number }>;

const byArrival = (a: QueueTicket, b: QueueTicket) => a.enqueuedAtMs - b.enqueuedAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const secs = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * Decides for `me` (one of `queue`, or added to it) given the host's memory now and the time
 * now: admitted when it and every waiter before it fit together; refused when it can never
 * fit (more than `host.totalMiB`) or when it has waited `timeoutMs`, with the figures and the
 * wait; else it waits, with its place and the reason. Pure.
 * @example
 * decideQueued(ticket, tickets, { availableMiB: 3000, reservedMiB: 0 }, Date.now(), 120_000)
 * // { type: 'wait', position: 2, ahead: ['big'], reason: 'VM small fits, but 1 VM queued before it does not: big' }
 */
export function decideQueued(me: QueueTicket, queue: readonly QueueTicket[], host: HostMemory, nowMs: number, timeoutMs: number): QueueDecision {
  const waitedMs = Math.max(0, nowMs - me.enqueuedAtMs);
  const alone = admit({ vm: me.vm, memoryMiB: me.memoryMiB, headroomMiB: me.headroomMiB }, host);
  if (host.totalMiB !== undefined && alone.needMiB > host.totalMiB) {
    return { type: 'refuse', waitedMs, reason: `${alone.type === 'refuse' ? alone.reason : `VM ${me.vm} needs ${alone.needMiB} MiB`}; the host has ${host.totalMiB} MiB in all, so waiting cannot help` };
  }
  const order = [...queue.filter((t) => t.id !== me.id), me].sort(byArrival);
  let claimedMiB = 0;
  const ahead: string[] = [];
  let blocked: string | undefined;
  for (const t of order) {
    const a = admit({ vm: t.vm, memoryMiB: t.memoryMiB, headroomMiB: t.headroomMiB }, { ...host, reservedMiB: host.reservedMiB + claimedMiB });
    if (t.id === me.id) {
      if (blocked === undefined && a.type === 'admit') return { type: 'admit', needMiB: a.needMiB, haveMiB: usableMiB(host), waitedMs };
      break;
    }
    ahead.push(t.vm);
    if (a.type === 'refuse') blocked ??= t.vm;
    else if (blocked === undefined) claimedMiB += a.needMiB;
  }
  const reason =
    alone.type === 'refuse'
      ? alone.reason
      : `VM ${me.vm} fits (${alone.needMiB} MiB of ${alone.haveMiB} MiB available), but ${ahead.length} VM${ahead.length === 1 ? '' : 's'} queued before it ${blocked === undefined ? 'take the memory first' : `wait${ahead.length === 1 ? 's' : ''} for memory first`}: ${ahead.join(', ')}`;
  if (waitedMs >= timeoutMs) return { type: 'refuse', waitedMs, reason: `${reason}; waited ${secs(waitedMs)} in the admission queue (timeout ${secs(timeoutMs)})` };
  return { type: 'wait', position: ahead.length + 1, ahead, reason, waitedMs };
}
