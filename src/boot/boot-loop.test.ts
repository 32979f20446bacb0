import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBootLoopCounter } from './boot-loop.ts';

test('N resets inside the window trip the boot-loop detector', () => {
  const c = createBootLoopCounter({ resets: 3, windowSeconds: 10 });
  c.reset(0);
  c.reset(4000);
  assert.equal(c.looping(), false);
  c.reset(9000);
  assert.equal(c.looping(), true);
});

test('resets spread wider than the window are not a loop', () => {
  const c = createBootLoopCounter({ resets: 3, windowSeconds: 10 });
  for (const t of [0, 8000, 16000, 24000]) c.reset(t);
  assert.equal(c.looping(), false);
  assert.equal(c.count(), 2);
});
