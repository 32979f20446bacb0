// The exhaustion forecast on replayed series (src/monitor/forecast): how many hours before
// exhaustion the 48-hour warning comes on a slow leak that takes a week, and how often it
// fires on series without a leak: a strong daily cycle, and the NAB series. Each figure is
// given for the default forecaster (the daily cycle taken out by a seasonal Sen fit) and
// for a plain Theil–Sen line (periodMs 0). Prints figures; asserts nothing.
// Run: node bench/forecast.ts [NAB folder]
import { seededRandom } from '../src/core/index.ts';
import { createForecaster, INITIAL_WARNING, loadNabCorpus, stepWarning, warningParams, type ForecastParams, type WarningState } from '../src/monitor/index.ts';
import { sharedPath } from '../testkit/index.ts';

const out = (s: string): void => void process.stdout.write(`${s}\n`);
const HOUR = 3_600_000;
const params = warningParams();
/** The two fits compared: the default (seasonal) and a plain line. */
const FITS: readonly (readonly [string, Partial<ForecastParams>])[] = [['seasonal', {}], ['plain line', { periodMs: 0 }]];

/** Replays one series; returns when the warning was raised and cleared, and the hours it was on. */
function replay(times: ArrayLike<number>, values: ArrayLike<number>, limit: number, fit: Partial<ForecastParams> = {}) {
  const f = createForecaster({ ...fit, limit });
  let w: WarningState = INITIAL_WARNING;
  const raised: number[] = [];
  let forecasts = 0;
  let onForecasts = 0;
  for (let i = 0; i < times.length; i++) {
    const fc = f.push(times[i]!, values[i]!);
    if (fc === undefined || fc.type === 'learning') continue;
    forecasts++;
    const s = stepWarning(w, fc, params);
    w = s.state;
    if (s.change === 'raised') raised.push(times[i]!);
    if (w.active) onForecasts++;
  }
  return { raised, forecasts, onForecasts };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

// 1. A slow leak. Free memory of 4096 MiB with a daily cycle (busy by day) and per-minute
// noise runs steady for 3 days, then a leak takes all of it in exactly a week. Exhaustion
// is the first sample at or below 0 (a daily trough gets there a little before the trend).
out('slow leak (per-minute samples, 3 steady days, then a leak that takes 168 h; warning at a lower bound < 48 h):');
out('fit         daily swing  noise σ  seeds  lead hours min / median / max  false before the leak  TTE error from ¼ of the way to 12 h left: median / 90 % / worst, share within ±20 %');
for (const [fitName, fit] of FITS) for (const [swing, sigma] of [[0, 20], [200, 40], [400, 80], [800, 80]] as const) {
  const leads: number[] = [];
  let early = 0;
  const errs: number[] = [];
  const seeds = 10;
  for (let seed = 1; seed <= seeds; seed++) {
    const r = seededRandom(seed);
    const start = 72 * HOUR;
    const times: number[] = [];
    const values: number[] = [];
    let exhausted = Infinity;
    for (let t = 0; t < start + 200 * HOUR && exhausted === Infinity; t += 60_000) {
      const trend = 4096 * (1 - Math.max(0, t - start) / (168 * HOUR));
      const v = trend - swing * Math.max(0, Math.sin((2 * Math.PI * t) / (24 * HOUR))) + sigma * normal(r);
      times.push(t);
      values.push(v);
      if (v <= 0) exhausted = t;
    }
    const res = replay(times, values, 0, fit);
    const first = res.raised.find((t) => t >= start);
    early += res.raised.filter((t) => t < start).length;
    if (first !== undefined) leads.push((exhausted - first) / HOUR);
    // Accuracy: every hourly forecast from a quarter of the leak on, against the true remaining time.
    const f = createForecaster({ ...fit, limit: 0 });
    for (let i = 0; i < times.length; i++) {
      const fc = f.push(times[i]!, values[i]!);
      const truth = exhausted - times[i]!;
      if (fc === undefined || fc.type === 'learning' || times[i]! < start + (exhausted - start) / 4 || truth < 12 * HOUR) continue;
      errs.push(Math.abs(fc.ttExhaustionMs - truth) / truth);
    }
  }
  leads.sort((a, b) => a - b);
  errs.sort((a, b) => a - b);
  const med = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? NaN;
  out(
    `${fitName.padEnd(10)}  ${String(swing).padStart(5)} MiB  ${String(sigma).padStart(4)} MiB  ${seeds}     ${leads.length === 0 ? 'never warned' : `${leads[0]!.toFixed(0)} / ${med(leads).toFixed(0)} / ${leads.at(-1)!.toFixed(0)}`}${leads.length < seeds ? ` (${seeds - leads.length} never warned)` : ''}` +
      `       ${early}                      ${pct(med(errs))} / ${pct(errs[Math.floor(errs.length * 0.9)] ?? NaN)} / ${pct(errs.at(-1) ?? NaN)}, ${pct(errs.filter((e) => e <= 0.2).length / errs.length)}`,
  );
}

// 2. A strong daily cycle and no trend: free memory swings by ±swing around 1000 MiB each
// day (a sine), per-minute noise, two weeks; the limit is 0, so every warning is false.
out('\ndaily cycle, no leak (1000 MiB ± swing, per-minute samples, 14 days, 10 seeds each); every warning is false:');
out('fit         swing     noise σ  runs warned  warnings raised  share of forecast time warned');
for (const [fitName, fit] of FITS) for (const [swing, sigma] of [[400, 20], [800, 40], [900, 40]] as const) {
  let runs = 0;
  let raises = 0;
  let forecasts = 0;
  let on = 0;
  for (let seed = 1; seed <= 10; seed++) {
    const r = seededRandom(seed);
    const times: number[] = [];
    const values: number[] = [];
    for (let t = 0; t < 14 * 24 * HOUR; t += 60_000) {
      times.push(t);
      values.push(1000 + swing * Math.sin((2 * Math.PI * t) / (24 * HOUR)) + sigma * normal(r));
    }
    const res = replay(times, values, 0, fit);
    if (res.raised.length > 0) runs++;
    raises += res.raised.length;
    forecasts += res.forecasts;
    on += res.onForecasts;
  }
  out(`${fitName.padEnd(10)}  ${String(swing).padStart(4)} MiB  ${String(sigma).padStart(4)} MiB   ${String(runs).padStart(2)} / 10        ${String(raises).padStart(4)}            ${((100 * on) / forecasts).toFixed(1)} % of ${forecasts}`);
}

// 3. NAB: no series has a leak. Each is read as a free resource whose limit sits a margin
// below the lowest value the series ever takes, so any warning is false.
const folder = process.argv[2] ?? sharedPath('corpus', 'nab');
if (folder === undefined) {
  out('NAB: ../shared/corpus/nab is absent; pass a NAB folder to count false warnings on it');
} else {
  const corpus = loadNabCorpus(folder);
  out(`\nNAB ${corpus.series.length} series read as free resources (limit = min − margin × (max − min)); every warning is false:`);
  out('fit         margin  series warned  warnings raised  share of forecast time warned');
  for (const [fitName, fit] of FITS) for (const margin of [0, 0.1, 0.5]) {
    const t0 = performance.now();
    let warned = 0;
    let raises = 0;
    let forecasts = 0;
    let on = 0;
    const names: string[] = [];
    for (const s of corpus.series) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of s.values) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const res = replay(s.times, s.values, min - margin * (max - min), fit);
      forecasts += res.forecasts;
      on += res.onForecasts;
      raises += res.raised.length;
      if (res.raised.length > 0) {
        warned++;
        names.push(s.name);
      }
    }
    const ms = performance.now() - t0;
    out(`${fitName.padEnd(10)}  ${margin.toFixed(1).padStart(5)}   ${String(warned).padStart(3)} / ${corpus.series.length}       ${String(raises).padStart(4)}            ${((100 * on) / forecasts).toFixed(2)} % of ${forecasts} hourly forecasts (replay ${(ms / 1000).toFixed(1)} s, ${((1000 * ms) / forecasts).toFixed(0)} µs per forecast)`);
    if (margin === 0.1) out(`        warned at margin 0.1: ${names.join(', ')}`);
  }
}
