import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createForecaster, type Forecast } from './forecaster.ts';
import { INITIAL_WARNING, stepWarning, warningParams, type WarningState } from './warning.ts';
import { theilSen } from './theil-sen.ts';
import { seededRandom as rng } from '../../core/index.ts';

const HOUR = 3_600_000;

/** A standard normal draw (Box–Muller). */
function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** Runs a series through a forecaster and the warning; returns every forecast and warning change. */
function run(series: (tMs: number) => number, hours: number, stepMs: number, limit = 0) {
  const f = createForecaster({ limit });
  const p = warningParams();
  let w: WarningState = INITIAL_WARNING;
  const forecasts: Forecast[] = [];
  const changes: { change: string; atMs: number }[] = [];
  for (let t = 0; t <= hours * HOUR; t += stepMs) {
    const fc = f.push(t, series(t));
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
  const total = 168 * HOUR; // a week from 1000 units to 0
  const { forecasts, changes } = run((t) => 1000 * (1 - t / total) + 8 * normal(r), 160, 60_000);
  const late = forecasts.filter((f) => f.atMs >= total / 4 && f.type !== 'learning');
  assert.ok(late.length > 100);
  for (const f of late) {
    assert.notEqual(f.type, 'learning');
    if (f.type === 'learning') continue;
    const truth = total - f.atMs;
    assert.ok(Math.abs(f.ttExhaustionMs - truth) <= 0.2 * truth, `at ${f.atMs / HOUR} h: ${f.ttExhaustionMs / HOUR} h vs ${truth / HOUR} h`);
    assert.ok(f.lowerMs <= truth * 1.05 && f.upperMs >= truth * 0.95, `band at ${f.atMs / HOUR} h`);
  }
  // One warning, raised at least 48 h ahead, never cleared while the leak goes on.
  assert.equal(changes.length, 1);
  assert.equal(changes[0]?.change, 'raised');
  assert.ok(total - changes[0]!.atMs >= 48 * HOUR, `raised ${(total - changes[0]!.atMs) / HOUR} h ahead`);
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
