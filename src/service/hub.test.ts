import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHub } from './hub.ts';

test('the hub delivers in order, replays after a sequence number and reports a gap', () => {
  const hub = createHub({ buffer: 3 });
  const seen: number[] = [];
  const live = hub.subscribe((e) => seen.push(e.seq));
  for (let i = 0; i < 5; i++) hub.publish({ kind: 'ledger', size: i });
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  live.unsubscribe();
  const replayed: number[] = [];
  const late = hub.subscribe((e) => replayed.push(e.seq), { since: 3 });
  assert.deepEqual(replayed, [4, 5]);
  assert.equal(late.gap, false);
  const missed: number[] = [];
  assert.equal(hub.subscribe((e) => missed.push(e.seq), { since: 0 }).gap, true, 'events 1 and 2 left the buffer');
  assert.deepEqual(missed, [3, 4, 5]);
});

test('a subscriber that throws is dropped and the others still get the event', () => {
  const errors: unknown[] = [];
  const hub = createHub({ onSubscriberError: (e) => errors.push(e) });
  hub.subscribe(() => {
    throw new Error('boom');
  });
  const got: string[] = [];
  hub.subscribe((e) => got.push(e.event.kind));
  hub.publish({ kind: 'vm-state', vm: 'a', state: 'booting' });
  hub.publish({ kind: 'vm-state', vm: 'a', state: 'ready' });
  assert.deepEqual(got, ['vm-state', 'vm-state']);
  assert.equal(errors.length, 1);
  assert.equal(hub.subscribers(), 1);
});
