import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../core/index.ts';
import { createDetector, DEFAULT_PARAMS } from './detector.ts';
import { LevelNovelty } from './level-novelty.ts';

// A seeded noisy daily wave with a few spikes and a level shift: 3000 five-minute points.
function series(seed: number, n = 3000): { t: number[]; v: number[] } {
  const rnd = seededRandom(seed);
  const t: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    t.push(1_700_000_000_000 + i * 300_000);
    let x = 50 + 20 * Math.sin((2 * Math.PI * i) / 288) + 5 * rnd();
    if (i % 997 === 500) x += 80;
    if (i > 2400) x -= 60;
    v.push(x);
  }
  return { t, v };
}

function run(t: readonly number[], v: readonly number[], probation = 450): number[] {
  const d = createDetector(probation);
  return v.map((x, i) => d.push(t[i]!, x));
}

test('scores are in [0, 1] and 0 during probation', () => {
  for (const seed of [1, 2, 3]) {
    const { t, v } = series(seed);
    const s = run(t, v);
    assert.ok(s.every((x) => x >= 0 && x <= 1), 'in [0, 1]');
    assert.ok(s.slice(0, 450).every((x) => x === 0), 'probation scores 0');
    assert.ok(s.some((x) => x > 0), 'something is found after probation');
  }
});

test('no look-ahead: the scores of a prefix do not depend on what follows it', () => {
  const { t, v } = series(7);
  const full = run(t, v);
  const rnd = seededRandom(99);
  for (const cut of [451, 1000, 1497, 2401, 2999]) {
    // Same prefix, then a wildly different future (or none at all).
    const other = v.slice(0, cut).concat(v.slice(cut).map(() => 1e6 * (rnd() - 0.5)));
    assert.deepEqual(run(t, other).slice(0, cut), full.slice(0, cut), `prefix of ${cut}`);
    assert.deepEqual(run(t.slice(0, cut), v.slice(0, cut)), full.slice(0, cut), `prefix of ${cut} alone`);
  }
});

test('deterministic: the same points give the same scores', () => {
  const { t, v } = series(11);
  assert.deepEqual(run(t, v), run(t, v));
});

test('a jump to new levels scores 1 once, then the detector rests', () => {
  const t = Array.from({ length: 1000 }, (_, i) => i * 60_000);
  const v = t.map((_, i) => (i < 600 ? i % 10 : 100 + (i % 10)));
  const s = run(t, v, 300);
  assert.equal(s[600], 1);
  // The jump visits ten new levels in a row; the rest (0.15 × 300 = 45 points) hides them.
  assert.ok(s.slice(601, 645).every((x) => x === 0));
  assert.equal(s.filter((x) => x > 0).length, 1);
});

test('state is bounded: far excursions share the outermost level of each grid', () => {
  const g = new LevelNovelty(8);
  g.setRange(0, 8);
  assert.equal(g.level(8), 7);
  assert.equal(g.level(9.5), 9);
  assert.equal(g.level(-0.5), -1);
  assert.equal(g.level(1e300), g.level(1e200));
  assert.equal(g.level(-1e300), g.level(-1e200));
  // A runaway trend visits new levels only until the cap, then nothing is new.
  let fresh = 0;
  for (let i = 0; i < 200_000; i++) if (g.visit(i * 1000)) fresh++;
  assert.ok(fresh <= 8 * 1000 + 8, `at most ${8 * 1000 + 8} levels are remembered, got ${fresh}`);
  assert.equal(g.visit(1e308), false);
});

test('not-a-number values score 0 and change nothing', () => {
  const { t, v } = series(5, 1200);
  const clean = run(t, v);
  const d = createDetector(450);
  const withGaps: number[] = [];
  v.forEach((x, i) => {
    if (i % 100 === 99) assert.equal(d.push(t[i]!, Number.NaN), 0);
    withGaps.push(d.push(t[i]!, x));
  });
  assert.deepEqual(withGaps, clean);
});

test('parameters are checked', () => {
  assert.throws(() => createDetector(100, { ...DEFAULT_PARAMS, levels: [] }), /levels/);
  assert.throws(() => createDetector(100, { ...DEFAULT_PARAMS, levels: [0] }), /levels/);
});

test('a grid forgets: a level not visited for more than `forget` points is new again', () => {
  const g = new LevelNovelty(4, 10);
  g.setRange(0, 4);
  assert.equal(g.visit(0.5), true);
  assert.equal(g.visit(0.5), false);
  for (let i = 0; i < 10; i++) g.visit(3.5);
  // Level 0 was last visited 11 points ago.
  assert.equal(g.visit(0.5), true);
  assert.equal(g.visit(3.5), false, 'level 3 was visited just before');
});

test('a grid re-fitted to a wider range keeps the levels it had visited', () => {
  const g = new LevelNovelty(4);
  g.setRange(0, 4);
  g.visit(0.5);
  g.visit(3.5);
  g.regrid(0, 8);
  // New levels are 2 wide: [0, 2) holds old level 0, [2, 4) old level 3; [4, 6) is new.
  assert.equal(g.visit(1.5), false);
  assert.equal(g.visit(2.5), false);
  assert.equal(g.visit(5), true);
});

test('the grids widen: a series that settles over a far wider range stops alarming on every new height', () => {
  // Quiet counts during probation, then spikes of any height up to 300 (tweet volumes).
  const rnd = seededRandom(21);
  const t = Array.from({ length: 6000 }, (_, i) => i * 60_000);
  const v = t.map((_, i) => (i >= 300 && i % 37 === 0 ? 300 * rnd() : 10 * rnd()));
  const alarms = (p: typeof DEFAULT_PARAMS) => {
    const d = createDetector(300, p);
    return v.filter((x, i) => d.push(t[i]!, x) >= 0.5).length;
  };
  const widening = alarms(DEFAULT_PARAMS);
  const fixed = alarms({ ...DEFAULT_PARAMS, widenGrow: Infinity });
  assert.ok(widening * 2 <= fixed, `with widening ${widening} alarms, without ${fixed}`);
  assert.ok(widening >= 1, 'the first spike is still an alarm');
});

test('novelty soon after an alarm scores a little lower; long after, it scores in full', () => {
  const t = Array.from({ length: 3000 }, (_, i) => i * 60_000);
  const v = t.map((_, i) => (i === 200 ? 100 : i === 230 ? -100 : i === 2900 ? 1000 : i % 10));
  const s = run(t, v, 100);
  assert.equal(s[200], 1);
  assert.ok(s[230]! < 1 && s[230]! > 1 - DEFAULT_PARAMS.fade, `just after the rest: ${s[230]}`);
  assert.ok(s[2900]! > 0.9999, `long after: ${s[2900]}`);
});

test('log grids see a fall to near zero that the value\'s grids, coarse at the bottom, do not', () => {
  // A daily wave from 1000 to 30000 (30-min points); after probation its troughs dip to 900
  // for a while, then one trough falls to 10 (a city under snow).
  const t = Array.from({ length: 3000 }, (_, i) => i * 1_800_000);
  const v = t.map((_, i) => {
    const wave = 1000 + 29000 * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 48));
    if (i === 2500) return 10;
    return i > 600 && i < 1200 && i % 48 === 0 ? 900 : wave;
  });
  const s = run(t, v, 450);
  const flat = (() => {
    const d = createDetector(450, { ...DEFAULT_PARAMS, logLevels: [] });
    return v.map((x, i) => d.push(t[i]!, x));
  })();
  assert.equal(flat[2500], 0, 'the value\'s grids have seen that bottom level (the 900 troughs)');
  assert.ok(s[2500]! >= 0.3, `with the log grids: ${s[2500]}`);
});
