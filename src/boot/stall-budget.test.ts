import { test } from 'node:test';
import assert from 'node:assert/strict';
import { learnStallBudget, budgetFor, percentile, phaseDurations } from './stall-budget.ts';

const policy = { defaultSeconds: 60, floorSeconds: 2, factor: 2, percentile: 95 };
const tl = (k: number, i: number, r: number) => [
  { phase: 'kernel' as const, atMs: 0 },
  { phase: 'initramfs' as const, atMs: k },
  { phase: 'init' as const, atMs: k + i },
  { phase: 'ready' as const, atMs: k + i + r },
];

test('percentile interpolates and handles one value', () => {
  assert.equal(percentile([5], 95), 5);
  assert.equal(percentile([0, 10], 50), 5);
  assert.equal(percentile([3, 1, 2], 100), 3);
});

test('phaseDurations measures the time spent in each phase', () => {
  assert.deepEqual(phaseDurations(tl(1000, 200, 50)), { kernel: 1000, initramfs: 200, init: 50 });
});

test('without good boots the configured default applies to every phase', () => {
  const b = learnStallBudget([], policy);
  assert.equal(b.learnedFrom, 0);
  assert.equal(budgetFor(b, 'kernel'), 60000);
  assert.equal(b.typicalBootMs, undefined);
});

test('learned budgets scale with the good boots and respect the floor', () => {
  const b = learnStallBudget([tl(3000, 400, 100), tl(3200, 500, 120), tl(2800, 450, 90)], policy);
  assert.equal(b.learnedFrom, 3);
  const k = budgetFor(b, 'kernel');
  assert.ok(k > 2 * 3000 && k <= 2 * 3200, `kernel budget ${k}`);
  assert.equal(budgetFor(b, 'init'), 2000, 'a 100 ms phase still gets the 2 s floor');
  // A phase no good boot showed gets the budget of a whole boot.
  assert.ok(budgetFor(b, 'bootloader') >= 2 * 3500);
  assert.ok(b.typicalBootMs! > 3400 && b.typicalBootMs! < 3700);
});
