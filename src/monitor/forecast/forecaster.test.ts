import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createForecaster, type Forecast } from './forecaster.ts';
import { INITIAL_WARNING, stepWarning, warningParams, type WarningState } from './warning.ts';
import { theilSen } from './theil-sen.ts';
import { seasonalSen } from './seasonal-sen.ts';
import { seededRandom as rng } from '../../core/index.ts';

const HOUR = 3_600_000;

/** A standard normal draw (Box–Muller). */
function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** Runs a series through a forecaster and the warning; returns every forecast and warning change. */
function run(series: ((tMs: number) => number) | Map<number, number>, hours: number, stepMs: number, limit = 0) {
  const f = createForecaster({ limit });
  const p = warningParams();
  let w: WarningState = INITIAL_WARNING;
  const forecasts: Forecast[] = [];
  const changes: { change: string; atMs: number }[] = [];
  const samples = series instanceof Map ? [...series] : Array.from({ length: Math.floor((hours * HOUR) / stepMs) + 1 }, (_, i): [number, number] => [i * stepMs, series(i * stepMs)]);
  for (const [t, v] of samples) {
    const fc = f.push(t, v);
    if (fc === undefined) continue;
    forecasts.push(fc);
    const s = stepWarning(w, fc, p);
    w = s.state;
    if (s.change !== undefined) changes.push({ change: s.change, atMs: t });
  }
  return { forecasts, changes, warning: w };
}

test('Theil–Sen recovers a line through outliers, and its band holds the slope', () => {
  const t = Array.from({ length: 30 }, (_, i) => i);
  const y = t.map((x) => 100 - 2 * x + (x % 7 === 0 ? 40 : 0));
  const fit = theilSen(t, y, 1.96);
  assert.equal(fit.slope, -2);
  assert.ok(fit.slopeLow <= -2 && fit.slopeHigh >= -2);
  assert.equal(fit.level, 100 - 2 * 29);
});

test('a linear leak with noise: the time to exhaustion converges on the truth, inside its band', () => {
  const r = rng(1);
  // Two steady days, then a trend from 1000 units to 0 in a week.
  const start = 48 * HOUR;
  const total = 168 * HOUR;
  const samples: [number, number][] = [];
  for (let t = 0; samples.at(-1)?.[1] === undefined || samples.at(-1)![1] > 0; t += 60_000) samples.push([t, 1000 * (1 - Math.max(0, t - start) / total) + 8 * normal(r)]);
  // The truth: the first sample at or below the limit (noise gets there before the trend).
  const exhausted = samples.at(-1)![0];
  assert.ok(exhausted < start + total && exhausted > start + total - 12 * HOUR);
  const { forecasts, changes } = run(new Map(samples), exhausted, 0);
  const late = forecasts.filter((f) => f.atMs >= start + (exhausted - start) / 4 && exhausted - f.atMs >= 12 * HOUR);
  // From a quarter of the way until 12 h are left; nearer the end the error stays about 1–2 h
  // (the dip's pessimism) and is more than 20 % of what is left.
  assert.ok(late.length > 100);
  for (const f of late) {
    assert.notEqual(f.type, 'learning');
    if (f.type === 'learning') continue;
    const truth = exhausted - f.atMs;
    assert.ok(Math.abs(f.ttExhaustionMs - truth) <= 0.2 * truth, `at ${f.atMs / HOUR} h: ${f.ttExhaustionMs / HOUR} h vs ${truth / HOUR} h`);
    // The lower bound is never late; the band (the slope's) holds the point forecast. The
    // deepest dip of the window (about 4 σ over 2 days) makes all three a little pessimistic.
    assert.ok(f.lowerMs <= truth, `lower bound at ${f.atMs / HOUR} h: ${f.lowerMs / HOUR} h vs ${truth / HOUR} h`);
    assert.ok(f.lowerMs <= f.ttExhaustionMs && f.ttExhaustionMs <= f.upperMs);
  }
  // One warning, raised at least 48 h ahead, never cleared while the leak goes on.
  assert.equal(changes.length, 1);
  assert.equal(changes[0]?.change, 'raised');
  assert.ok(exhausted - changes[0]!.atMs >= 48 * HOUR, `raised ${(exhausted - changes[0]!.atMs) / HOUR} h ahead`);
});

test('flat, noisy and seasonal series with no leak never raise the warning', () => {
  const r = rng(2);
  const daily = (t: number) => Math.sin((2 * Math.PI * t) / (24 * HOUR));
  const cases: [string, (t: number) => number][] = [
    ['flat', () => 500],
    ['noisy', () => 500 + 60 * normal(r)],
    ['seasonal', (t) => 500 + 100 * daily(t) + 20 * normal(r)],
    ['spiky', (t) => 500 - (Math.floor(t / 60_000) % 997 === 0 ? 450 : 0)],
  ];
  for (const [name, series] of cases) {
    const { changes, forecasts } = run(series, 24 * 14, 60_000);
    assert.ok(forecasts.length > 300, name);
    assert.deepEqual(changes, [], name);
  }
});

test('the warning clears when the leak stops, once, without flapping', () => {
  // Leaks 10 units an hour from 600 for 40 h (the 48-h bound is crossed), then holds.
  const { changes } = run((t) => 600 - 10 * Math.min(t, 40 * HOUR) / HOUR, 24 * 7, 300_000);
  assert.deepEqual(changes.map((c) => c.change), ['raised', 'cleared']);
  assert.ok(changes[1]!.atMs > 40 * HOUR);
});

test('no look-ahead: forecasts over a prefix do not depend on what follows', () => {
  const r = rng(3);
  const values = Array.from({ length: 3000 }, (_, i) => 800 - i * 0.05 + 5 * normal(r));
  const a = createForecaster({ limit: 0 });
  const b = createForecaster({ limit: 0 });
  const outA = values.map((v, i) => a.push(i * 300_000, v));
  const outB = values.slice(0, 2000).map((v, i) => b.push(i * 300_000, v));
  assert.deepEqual(outA.slice(0, 2000), outB);
  assert.ok(outB.some((x) => x !== undefined && x.type === 'falling'));
});

test('reaching the limit raises at once; not-a-number samples and samples from the past change nothing', () => {
  const f = createForecaster({ limit: 100, bucketMs: 1000, buckets: 8, minBuckets: 4 });
  const out: (Forecast | undefined)[] = [];
  for (let i = 0; i < 10; i++) {
    out.push(f.push(i * 1000, 150 - 10 * i));
    assert.equal(f.push(i * 1000 + 1, Number.NaN), undefined);
    assert.equal(f.push(i * 1000 - 5000, 1e9), undefined);
  }
  const last = out.at(-1);
  assert.equal(last?.type, 'exhausted');
  const s = stepWarning(INITIAL_WARNING, last!, warningParams());
  assert.equal(s.change, 'raised');
});

test('bad parameters are refused with MONITOR_FORECAST_BAD_PARAMS naming the parameter', () => {
  assert.throws(() => createForecaster({ limit: Number.NaN }), { code: 'MONITOR_FORECAST_BAD_PARAMS', message: /limit/ });
  assert.throws(() => createForecaster({ limit: 0, bucketMs: 0 }), { code: 'MONITOR_FORECAST_BAD_PARAMS', message: /bucketMs/ });
  assert.throws(() => createForecaster({ limit: 0, buckets: 2 }), { code: 'MONITOR_FORECAST_BAD_PARAMS', message: /buckets/ });
  assert.throws(() => warningParams({ horizonMs: -1 }), { code: 'MONITOR_FORECAST_BAD_PARAMS', message: /horizon/ });
  assert.throws(() => warningParams({ clearFactor: 0.5 }), { code: 'MONITOR_FORECAST_BAD_PARAMS', message: /clearFactor/ });
});

/** Samples every minute for `hours`: a daily cycle of `swing` around `base`, noise σ, and a leak of `base` in `leakHours` from `leakAt`. */
function daily(seed: number, o: { base: number; swing: number; sigma: number; hours: number; leakAt?: number; leakHours?: number }): [number, number][] {
  const r = rng(seed);
  const out: [number, number][] = [];
  for (let t = 0; t <= o.hours * HOUR; t += 60_000) {
    const leak = o.leakAt === undefined ? 0 : (o.base * Math.max(0, t - o.leakAt * HOUR)) / (o.leakHours! * HOUR);
    const v = o.base - leak + o.swing * Math.sin((2 * Math.PI * t) / (24 * HOUR)) + o.sigma * normal(r);
    out.push([t, v]);
    if (v <= 0) break;
  }
  return out;
}

test('seasonal Sen: a daily cycle on a line gives the line\'s slope and the cycle as the profile', () => {
  const times = Array.from({ length: 72 }, (_, i) => i * HOUR + HOUR / 2);
  const cycle = (i: number) => 300 * Math.sin((2 * Math.PI * i) / 24);
  const values = times.map((t, i) => 1000 - (5 * t) / HOUR + cycle(i));
  const fit = seasonalSen(times, values, times.map((_, i) => i % 24), 24, 1.96);
  assert.ok(Math.abs(fit.slope * HOUR + 5) < 1e-9, `slope ${fit.slope * HOUR} per hour`);
  assert.ok(fit.slopeLow <= fit.slope && fit.slope <= fit.slopeHigh);
  assert.ok(Math.abs(fit.level - (1000 - 5 * (71 + 0.5))) < 1e-6, `level ${fit.level}`);
  for (let s = 0; s < 24; s++) assert.ok(Math.abs(fit.profile[s]! - cycle(s)) < 1e-6, `season ${s}: ${fit.profile[s]} vs ${cycle(s)}`);
});

test('a strong daily cycle without a trend raises no warning (a plain line fit does)', () => {
  // Free memory swinging by ±800 around 1000 every day, trough 200 above the limit, for two weeks.
  const samples = new Map(daily(4, { base: 1000, swing: 800, sigma: 40, hours: 24 * 14 }));
  const { changes, forecasts } = run(samples, 0, 0);
  assert.ok(forecasts.length > 300);
  assert.deepEqual(changes, []);
  // The same series through a forecaster without the seasonal fit warns: the test can fail.
  const plain = createForecaster({ limit: 0, periodMs: 0 });
  let w: WarningState = INITIAL_WARNING;
  let raised = 0;
  for (const [t, v] of samples) {
    const fc = plain.push(t, v);
    if (fc === undefined) continue;
    const s = stepWarning(w, fc, warningParams());
    w = s.state;
    if (s.change === 'raised') raised++;
  }
  assert.ok(raised > 0, 'the plain fit raises false warnings on this series');
});

test('a leak under a strong daily cycle: the time to exhaustion is within ±20 % from a quarter of the way', () => {
  // Three steady days, then 3000 units leak in a week under a ±600 daily swing: a trough
  // reaches the limit when the trend is 600 above it, about 135 h into the leak.
  const samples = daily(5, { base: 3000, swing: 600, sigma: 20, hours: 24 * 14, leakAt: 72, leakHours: 168 });
  const exhausted = samples.at(-1)![0];
  assert.ok(samples.at(-1)![1] <= 0, 'the series runs out');
  const start = 72 * HOUR;
  const { forecasts, changes } = run(new Map(samples), 0, 0);
  const checked = forecasts.filter((f) => f.atMs >= start + (exhausted - start) / 4 && exhausted - f.atMs >= 12 * HOUR);
  assert.ok(checked.length > 60, `${checked.length} forecasts checked`);
  for (const f of checked) {
    if (f.type === 'learning') assert.fail('learning');
    const truth = exhausted - f.atMs;
    assert.equal(f.type, 'falling');
    assert.ok(Math.abs(f.ttExhaustionMs - truth) <= 0.2 * truth, `at ${f.atMs / HOUR} h: ${f.ttExhaustionMs / HOUR} h vs ${truth / HOUR} h`);
  }
  assert.equal(changes[0]?.change, 'raised');
  assert.ok(changes[0]!.atMs >= start, 'no warning before the leak');
  assert.ok(exhausted - changes[0]!.atMs >= 48 * HOUR, `raised ${(exhausted - changes[0]!.atMs) / HOUR} h ahead`);
});
