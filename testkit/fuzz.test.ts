// The fuzz harness itself: a CPU-time budget is spent in CPU time, and a failure found in a
// later chunk names the seed that replays it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { gunzipSync, gzipSync } from 'node:zlib';
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

test('a CPU-time budget runs until the process has spent that much CPU', async () => {
  const target: FuzzTarget<number> = { name: 'spin', codes: new Set(), arbitrary: () => fc.nat(), size: () => 1, run: () => spin(2) };
  const u0 = process.cpuUsage();
  const r = await fuzzFor(target, { seed: 1, timeMs: 300, clock: 'cpu' });
  const u = process.cpuUsage(u0);
  assert.ok((u.user + u.system) / 1000 >= 300, `spent ${(u.user + u.system) / 1000} ms of CPU`);
  assert.ok(r.runs > 0, 'the target ran');
  assert.ok(r.worstCpuMs >= 2, `the most CPU one input took: ${r.worstCpuMs} ms (each spins 2 ms)`);
  assert.equal(r.failure, undefined);
});

test('a failure under a CPU budget reports a seed that finds it again on its own', async () => {
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
  const r = await fuzzFor(target, { seed: 7, timeMs: 60_000, clock: 'cpu' });
  assert.ok(r.failure !== undefined, 'the rare input was found');
  assert.match(r.failure.counterexample, /4321/);
  const again = fc.check(fc.property(target.arbitrary(), (n) => target.run(n)), { seed: r.failure.seed, numRuns: 1_000_000 });
  assert.equal(again.failed, true, `seed ${r.failure.seed} replays the failure`);
});

test('memory a target keeps between inputs is reported as growth; memory it lets go is not', async () => {
  const kept: Uint8Array[] = [];
  const leaky: FuzzTarget<number> = {
    name: 'leaky',
    codes: new Set(),
    arbitrary: () => fc.nat(),
    size: () => 1,
    run: () => {
      spin(1);
      kept.push(new Uint8Array(256 * 1024).fill(1));
    },
  };
  const tidy: FuzzTarget<number> = { ...leaky, name: 'tidy', run: () => (spin(1), void new Uint8Array(256 * 1024).fill(1)) };
  const grown = await fuzzFor(leaky, { seed: 3, timeMs: 1_500, clock: 'cpu', chunkMs: 100 });
  assert.equal(grown.live.grew, true, `kept ${kept.length} inputs of 256 KiB: live ${grown.live.firstMb.toFixed(0)} → ${grown.live.lastMb.toFixed(0)} MB`);
  kept.length = 0;
  const steady = await fuzzFor(tidy, { seed: 3, timeMs: 1_500, clock: 'cpu', chunkMs: 100 });
  assert.equal(steady.live.grew, false, `live ${steady.live.firstMb.toFixed(0)} → ${steady.live.lastMb.toFixed(0)} MB`);
  assert.ok(steady.live.maxMb >= steady.live.lastMb && steady.live.lastMb > 0);
});

test('buffers freed on a later turn of the event loop (a failed zlib call) are not growth', async () => {
  const corrupt = gzipSync(Buffer.alloc(3000, 7));
  corrupt[12]! ^= 0xff;
  let failedCalls = 0;
  const target: FuzzTarget<number> = {
    name: 'corrupt-gzip',
    codes: new Set(),
    arbitrary: () => fc.nat(),
    size: () => corrupt.length,
    run: () => {
      spin(1);
      for (let i = 0; i < 4; i++) {
        try {
          gunzipSync(corrupt);
        } catch {
          failedCalls++;
        }
      }
    },
  };
  const r = await fuzzFor(target, { seed: 5, timeMs: 1_500, clock: 'cpu', chunkMs: 100 });
  assert.ok(failedCalls > 1_000, `${failedCalls} failed gunzip calls`);
  assert.equal(r.live.grew, false, `live ${r.live.firstMb.toFixed(0)} → ${r.live.lastMb.toFixed(0)} MB over ${failedCalls} failed calls`);
});
