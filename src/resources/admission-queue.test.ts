// The admission queue: the pure FIFO decision, and the guard's waiting loop driven by a fake
// clock and a fake memory reader (no wall-clock waits, no timed assertions).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { admit } from './admission.ts';
import { decideQueued, type QueueTicket } from './admission-queue.ts';
import { enqueueTicket, liveTickets } from './admission-tickets.ts';
import { createResourceGuard, type AdmissionEvent, type GuardClock } from './guard.ts';
import type { HostMemory } from './admission.ts';

const T = (id: string, vm: string, memoryMiB: number, at: number, headroomMiB = 0): QueueTicket => ({ id, vm, memoryMiB, headroomMiB, enqueuedAtMs: at });
const host = (availableMiB: number, totalMiB?: number): HostMemory => ({ availableMiB, reservedMiB: 0, ...(totalMiB !== undefined ? { totalMiB } : {}) });

test('a waiter that fits with everyone before it is admitted; the ones before it are counted against the memory', () => {
  const a = T('1', 'a', 1000, 0);
  const b = T('2', 'b', 1000, 1);
  assert.deepEqual(decideQueued(b, [a, b], host(2500), 10, 60_000), { type: 'admit', needMiB: 1000, haveMiB: 2500, waitedMs: 9 });
  const d = decideQueued(b, [a, b], host(1500), 10, 60_000);
  assert.equal(d.type, 'wait');
  assert.equal(d.type === 'wait' && d.position, 2);
  assert.equal(d.type === 'wait' && d.reason, 'VM b fits (1000 MiB of 1500 MiB available), but 1 VM queued before it take the memory first: a');
});

test('strict FIFO: a small VM behind a big one that does not fit waits (no overtaking), and is admitted once the big one leaves', () => {
  const big = T('1', 'big', 4000, 0);
  const small = T('2', 'small', 100, 5);
  const d = decideQueued(small, [big, small], host(3000), 10, 60_000);
  assert.equal(d.type, 'wait');
  assert.deepEqual(d.type === 'wait' && d.ahead, ['big']);
  assert.match(d.type === 'wait' ? d.reason : '', /but 1 VM queued before it waits for memory first: big$/);
  assert.equal(decideQueued(small, [small], host(3000), 10, 60_000).type, 'admit', 'the big one timed out or was admitted: its ticket is gone');
  // Arrival order decides, not the order the tickets are listed in; equal times go by id.
  assert.equal(decideQueued(big, [small, big], host(4100), 10, 60_000).type, 'admit');
  assert.equal(decideQueued(T('b', 'x', 100, 0), [T('a', 'y', 5000, 0)], host(1000), 0, 1).type, 'wait');
});

test('on timeout the refusal gives the figures and how long it waited; a VM larger than the host is refused at once', () => {
  const me = T('1', 'big', 4096, 1_000, 256);
  const r = decideQueued(me, [me], host(3100), 121_000, 120_000);
  assert.deepEqual(r, { type: 'refuse', waitedMs: 120_000, reason: 'VM big needs 4096 MiB + 256 MiB headroom, host has 3100 MiB available; waited 120 s in the admission queue (timeout 120 s)' });
  assert.equal(decideQueued(me, [me], host(3100), 120_999, 120_000).type, 'wait', 'one ms before the timeout it still waits');
  const never = decideQueued(me, [me], host(3100, 4000), 1_000, 120_000);
  assert.deepEqual(never, { type: 'refuse', waitedMs: 0, reason: 'VM big needs 4096 MiB + 256 MiB headroom, host has 3100 MiB available; the host has 4000 MiB in all, so waiting cannot help' });
});

test('property: an admitted waiter fits together with every waiter before it; nobody behind a blocked waiter is admitted', () => {
  const ticket = fc.record({ memoryMiB: fc.integer({ min: 16, max: 8192 }), headroomMiB: fc.integer({ min: 0, max: 512 }), at: fc.integer({ min: 0, max: 100 }) });
  fc.assert(
    fc.property(fc.array(ticket, { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 0, max: 4096 }), (ts, available, reserved) => {
      const queue = ts.map((t, i) => T(String(i).padStart(2, '0'), `v${i}`, t.memoryMiB, t.at, t.headroomMiB));
      const h = { availableMiB: available, reservedMiB: reserved };
      const order = [...queue].sort((a, b) => a.enqueuedAtMs - b.enqueuedAtMs || (a.id < b.id ? -1 : 1));
      const admitted = order.filter((t) => decideQueued(t, queue, h, 0, 60_000).type === 'admit');
      // The admitted ones are a prefix of the arrival order, and they fit together.
      assert.deepEqual(admitted, order.slice(0, admitted.length));
      const need = admitted.reduce((s, t) => s + t.memoryMiB + t.headroomMiB, 0);
      assert.ok(need <= Math.max(0, available - reserved), `${need} > ${available - reserved}`);
      // The first one not admitted did not fit after those before it.
      const next = order[admitted.length];
      if (next !== undefined) assert.equal(admit({ vm: next.vm, memoryMiB: next.memoryMiB, headroomMiB: next.headroomMiB }, { availableMiB: available, reservedMiB: reserved + need }).type, 'refuse');
    }),
    { numRuns: 3000 },
  );
});

/** A clock whose sleep moves time on and resolves at once. */
function fakeClock(stepMs: number): GuardClock & { sleeps: number } {
  let t = 1_000_000;
  const c = {
    sleeps: 0,
    now: () => t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      signal?.throwIfAborted();
      c.sleeps++;
      t += Math.max(ms, stepMs);
      await Promise.resolve();
    },
  };
  return c;
}

const temp = () => mkdtempSync(join(tmpdir(), 'bm-queue-'));
const vm = (name: string, memoryMiB: number) => ({ name, memoryMiB, cpus: 1, qos: 'burstable' as const, admissionHeadroomMiB: 0 });

test('queue policy: the boot waits while memory is short, re-checking, and is admitted when it frees; its ticket is gone after', async () => {
  const home = temp();
  try {
    const readings = [500, 500, 700, 2000];
    let reads = 0;
    const events: AdmissionEvent[] = [];
    const clock = fakeClock(0);
    const guard = createResourceGuard({
      home,
      clock,
      admission: () => ({ onNoFit: 'queue', queueTimeoutSeconds: 60, recheckSeconds: 5 }),
      hostMemory: () => host(readings[Math.min(reads++, readings.length - 1)]!),
      onAdmission: (e) => events.push(e),
    });
    await guard.admit(vm('web', 1024));
    // The first reading refuses and queues; the queue reads 500 and 700 (a sleep after each) and is admitted at 2000.
    assert.equal(clock.sleeps, 2);
    assert.equal(reads, 4);
    assert.deepEqual(events.map((e) => e.type), ['queued', 'admitted']);
    assert.equal(events[0]?.type === 'queued' && events[0].reason, 'VM web needs 1024 MiB + 0 MiB headroom, host has 500 MiB available');
    assert.deepEqual(events[1], { type: 'admitted', vm: 'web', waitedMs: 10_000 });
    assert.deepEqual(liveTickets(home), []);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('queue policy: on timeout the same RESOURCES_ADMISSION_REFUSED, with the figures and the wait; refuse policy refuses at once', async () => {
  const home = temp();
  try {
    const events: AdmissionEvent[] = [];
    const clock = fakeClock(0);
    // A recheck interval that does not divide the timeout: the last check comes at the deadline, not after it.
    const guard = createResourceGuard({ home, clock, admission: () => ({ onNoFit: 'queue', queueTimeoutSeconds: 30, recheckSeconds: 7 }), hostMemory: () => host(500), onAdmission: (e) => events.push(e) });
    await assert.rejects(guard.admit(vm('big', 1024)), (e: Error & { code?: string; exitClass?: string }) => {
      assert.equal(e.code, 'RESOURCES_ADMISSION_REFUSED');
      assert.equal(e.exitClass, 'busy');
      assert.match(e.message, /^VM big needs 1024 MiB \+ 0 MiB headroom, host has 500 MiB available; waited 30 s in the admission queue \(timeout 30 s\); QEMU was not started$/);
      return true;
    });
    assert.equal(clock.sleeps, 5, '7 + 7 + 7 + 7 + 2 s');
    assert.deepEqual(events.map((e) => e.type), ['queued', 'refused']);
    assert.deepEqual(liveTickets(home), [], 'a refused waiter leaves the queue');
    const now = createResourceGuard({ home, clock, hostMemory: () => host(500) });
    const before = clock.sleeps;
    await assert.rejects(now.admit(vm('big', 1024)), /host has 500 MiB available; QEMU was not started$/);
    assert.equal(clock.sleeps, before, 'the default policy refuses without waiting');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('queue policy: FIFO across waiters: a later boot that fits waits behind an earlier one, and goes when the earlier one is admitted', async () => {
  const home = temp();
  try {
    // Memory frees from the sixth reading on (a few ticks of both waiters).
    let reads = 0;
    const events: AdmissionEvent[] = [];
    const clock = fakeClock(0);
    const guard = createResourceGuard({ home, clock, admission: () => ({ onNoFit: 'queue', queueTimeoutSeconds: 600, recheckSeconds: 5 }), hostMemory: () => host(++reads > 5 ? 2000 : 1000), onAdmission: (e) => events.push(e) });
    const first = guard.admit(vm('big', 1500));
    const second = guard.admit(vm('small', 100)); // fits alone, but big is queued already
    await Promise.all([first, second]);
    const queuedSmall = events.find((e) => e.type === 'queued' && e.vm === 'small');
    assert.ok(queuedSmall?.type === 'queued' && queuedSmall.position === 2 && queuedSmall.ahead[0] === 'big', JSON.stringify(events));
    assert.deepEqual(events.filter((e) => e.type === 'admitted').map((e) => e.vm), ['big', 'small'], 'in arrival order');
    assert.deepEqual(liveTickets(home), []);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('aborting a queued boot takes it out of the queue', async () => {
  const home = temp();
  try {
    const ac = new AbortController();
    const clock = fakeClock(0);
    const guard = createResourceGuard({ home, clock, admission: () => ({ onNoFit: 'queue', queueTimeoutSeconds: 600 }), hostMemory: () => host(10), onAdmission: (e) => e.type === 'queued' && ac.abort() });
    await assert.rejects(guard.admit(vm('w', 1024), ac.signal), { name: 'AbortError' });
    assert.deepEqual(readdirSync(join(home, 'admission-queue')), []);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('tickets: a dead process or a torn file holds no one back', () => {
  const home = temp();
  try {
    const { ticket, remove } = enqueueTicket(home, { vm: 'live', memoryMiB: 64, headroomMiB: 0, enqueuedAtMs: 5 });
    enqueueTicket(home, { vm: 'dead', memoryMiB: 64, headroomMiB: 0, enqueuedAtMs: 1 }, 2 ** 22 + 12345);
    mkdirSync(join(home, 'admission-queue'), { recursive: true });
    writeFileSync(join(home, 'admission-queue', 'torn.json'), '{"vm":');
    assert.deepEqual(liveTickets(home), [ticket]);
    remove();
    assert.deepEqual(liveTickets(home), []);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
