// The fuzz harness itself: a CPU-time budget is spent in CPU time, and a failure found in a
// later chunk names the seed that replays it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzzFor, type FuzzTarget } from './fuzz.ts';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function spin(ms: number): void {
  const end = cpuMs() + ms;
  while (cpuMs() < end) {
    /* burn CPU */
  }
}

test('a CPU-time budget runs until the process has spent that much CPU', () => {
  const target: FuzzTarget<number> = { name: 'spin', codes: new Set(), arbitrary: () => fc.nat(), size: () => 1, run: () => spin(2) };
  const u0 = process.cpuUsage();
  const r = fuzzFor(target, { seed: 1, timeMs: 300, clock: 'cpu' });
  const u = process.cpuUsage(u0);
  assert.ok((u.user + u.system) / 1000 >= 300, `spent ${(u.user + u.system) / 1000} ms of CPU`);
  assert.ok(r.runs > 0, 'the target ran');
  assert.ok(r.worstCpuMs >= 2, `the most CPU one input took: ${r.worstCpuMs} ms (each spins 2 ms)`);
  assert.equal(r.failure, undefined);
});

test('a failure under a CPU budget reports a seed that finds it again on its own', () => {
  // Fails only on a rare input, so it is usually found after the first chunk.
  const target: FuzzTarget<number> = {
    name: 'rare',
    codes: new Set(),
    arbitrary: () => fc.integer({ min: 0, max: 5_000 }),
    size: () => 1,
    run: (n) => {
      spin(0.05);
      assert.notEqual(n, 4_321);
    },
  };
  const r = fuzzFor(target, { seed: 7, timeMs: 60_000, clock: 'cpu' });
  assert.ok(r.failure !== undefined, 'the rare input was found');
  assert.match(r.failure.counterexample, /4321/);
  const again = fc.check(fc.property(target.arbitrary(), (n) => target.run(n)), { seed: r.failure.seed, numRuns: 1_000_000 });
  assert.equal(again.failed, true, `seed ${r.failure.seed} replays the failure`);
});
