// A streaming time-to-exhaustion forecaster for one "free resource" series (free memory,
// free disk space): samples are averaged into fixed time buckets, the last `buckets` of
// them are fitted with a line (a seasonal Sen line when the window holds two daily cycles,
// else Theil–Sen), and where that line, plus the daily cycle and lowered by the dips below
// it in the window, first crosses `limit` is the forecast.
import { monitorErrors } from '../errors.ts';
import { seasonalSen, type SeasonalFit } from './seasonal-sen.ts';
import { theilSen, type TrendFit } from './theil-sen.ts';

/** Tuning of one forecaster; times in milliseconds. */
export type ForecastParams = Readonly<{
  /** The value at which the resource is exhausted (0 free bytes, unless a reserve is kept). */
  limit: number;
  /** Width of one bucket: samples inside it are averaged into one point. */
  bucketMs: number;
  /** How many buckets the line is fitted to (the window is bucketMs × buckets). */
  buckets: number;
  /** Buckets needed before the first forecast. */
  minBuckets: number;
  /** Width of the band in standard deviations (1.96: 95 %). */
  z: number;
  /**
   * Length of the cycle taken out before the trend is fitted (24 h: a daily cycle). It is
   * used when it is a whole number P ≥ 2 of buckets and the window holds two cycles
   * (buckets ≥ 2P); the first forecast then waits for 2P buckets. 0 turns it off.
   */
  periodMs: number;
}>;

/**
 * Defaults for a resource watched against a 48-hour horizon: 1-hour buckets, a 2-day window
 * (two points per hour of the day for the seasonal fit: a 3-day window lagged a new leak too
 * long), a daily cycle taken out, and a first forecast once the window is full.
 */
export const DEFAULT_FORECAST_PARAMS: Omit<ForecastParams, 'limit'> = Object.freeze({ bucketMs: 3_600_000, buckets: 48, minBuckets: 48, z: 1.96, periodMs: 24 * 3_600_000 });

/**
 * What the forecaster says after a bucket completes. Times to exhaustion are from `atMs`
 * (the sample that completed the bucket) and Infinity when the line never gets there.
 * - `learning`: fewer than minBuckets buckets yet;
 * - `falling`: the whole slope band is below zero (a real downward trend);
 * - `steady`: the band holds zero or the series rises;
 * - `exhausted`: the last bucket's lowest sample or the fitted level is at or past the limit.
 */
export type Forecast =
  | Readonly<{ type: 'learning'; atMs: number; buckets: number }>
  | Readonly<{
      type: 'falling' | 'steady' | 'exhausted';
      atMs: number;
      /** The fitted value now and its change per hour (the middle of the band). */
      level: number;
      slopePerHour: number;
      /** Time until the series first reaches the limit (the line lowered by its deepest dip), at the band's middle, steepest and shallowest slope. */
      ttExhaustionMs: number;
      lowerMs: number;
      upperMs: number;
      /** Time until the next forecast at the latest (one bucket). */
      nextInMs: number;
    }>;

/** A forecaster for one series. */
export interface Forecaster {
  /** Adds a sample; returns a forecast when this sample completed a bucket, else undefined. Non-finite values and samples older than the last are ignored. */
  push(timeMs: number, value: number): Forecast | undefined;
}

function check(p: ForecastParams): void {
  const bad = (what: string) => {
    throw monitorErrors.make('MONITOR_FORECAST_BAD_PARAMS', `forecast parameters: ${what}`);
  };
  if (!Number.isFinite(p.limit)) bad(`limit must be a finite number (got ${p.limit})`);
  if (!(p.bucketMs > 0) || !Number.isFinite(p.bucketMs)) bad(`bucketMs must be a positive number of milliseconds (got ${p.bucketMs})`);
  if (!Number.isInteger(p.buckets) || p.buckets < 4 || p.buckets > 1024) bad(`buckets must be an integer from 4 to 1024 (got ${p.buckets})`);
  if (!Number.isInteger(p.minBuckets) || p.minBuckets < 3 || p.minBuckets > p.buckets) bad(`minBuckets must be an integer from 3 to buckets (got ${p.minBuckets})`);
  if (!(p.z > 0) || !Number.isFinite(p.z)) bad(`z must be a positive number (got ${p.z})`);
  if (!(p.periodMs >= 0) || !Number.isFinite(p.periodMs)) bad(`periodMs must be 0 or a positive number of milliseconds (got ${p.periodMs})`);
}

/** Buckets per cycle when the seasonal fit applies (a whole number ≥ 2, two cycles fit the window), else 0. */
function seasonBuckets(p: ForecastParams): number {
  const period = p.periodMs / p.bucketMs;
  return Number.isInteger(period) && period >= 2 && p.buckets >= 2 * period ? period : 0;
}

/** Time for `headroom` to be used up at `-slope` per ms: Infinity when not falling. */
function timeTo(headroom: number, slope: number): number {
  if (headroom <= 0) return 0;
  return slope < 0 ? headroom / -slope : Infinity;
}

/**
 * Creates a forecaster. State: at most `buckets` points plus one open bucket.
 *
 * @example
 * const f = createForecaster({ ...DEFAULT_FORECAST_PARAMS, limit: 0 });
 * const fc = f.push(Date.now(), memAvailableBytes); // a Forecast once an hour, else undefined
 */
export function createForecaster(params: Partial<ForecastParams> & Pick<ForecastParams, 'limit'>): Forecaster {
  const p: ForecastParams = { ...DEFAULT_FORECAST_PARAMS, ...params };
  check(p);
  const period = seasonBuckets(p);
  const minBuckets = Math.max(p.minBuckets, 2 * period);
  // Per bucket: mean time, mean value, lowest value and the bucket's index (its season).
  const times: number[] = [];
  const values: number[] = [];
  const lows: number[] = [];
  const indices: number[] = [];
  let open: { index: number; sumT: number; sumV: number; min: number; n: number } | undefined;
  let lastT = -Infinity;

  // The series runs out when a sample first reaches the limit, which noise or a daily trough
  // does before the line does: the line is lowered by how far the buckets' lowest samples
  // fall below the model (the line, plus each hour's offset when seasonal), at the 10 %
  // quantile of the window (a trough spans more than a tenth of a day; one freak sample
  // does not count).
  function dipBelow(model: (i: number) => number): number {
    const dips = lows.map((low, i) => Math.min(0, low - model(i))).sort((a, b) => a - b);
    return dips[Math.floor(dips.length / 10)]!;
  }

  /** Time from `nowMs` until some hour of the day, its offset added to the line, reaches the limit (the hour's next occurrence after the line does). */
  function seasonalTime(s: SeasonalFit, nowMs: number): (slope: number) => number {
    const dip = dipBelow((i) => s.level + s.slope * (times[i]! - s.at) + s.profile[indices[i]! % period]!);
    const base = s.level + s.slope * (nowMs - s.at) + dip - p.limit;
    const seen = new Set(indices.map((k) => k % period));
    return (slope) => {
      let best = Infinity;
      for (const season of seen) {
        const d = timeTo(base + s.profile[season]!, slope);
        if (d === Infinity) continue;
        const k = Math.floor((nowMs + d) / p.bucketMs);
        const ahead = (((season - k) % period) + period) % period;
        best = Math.min(best, ahead === 0 ? d : (k + ahead) * p.bucketMs - nowMs);
      }
      return best;
    };
  }

  function forecast(nowMs: number): Forecast {
    if (times.length < minBuckets) return { type: 'learning', atMs: nowMs, buckets: times.length };
    let fit: TrendFit;
    let until: (slope: number) => number;
    if (period > 0) {
      const s = seasonalSen(times, values, indices.map((k) => k % period), period, p.z);
      fit = s;
      until = seasonalTime(s, nowMs);
    } else {
      const line = theilSen(times, values, p.z);
      fit = line;
      const headroom = line.level + line.slope * (nowMs - line.at) + dipBelow((i) => line.level + line.slope * (times[i]! - line.at)) - p.limit;
      until = (slope) => timeTo(headroom, slope);
    }
    const level = fit.level + fit.slope * (nowMs - fit.at);
    const type = lows.at(-1)! <= p.limit || level <= p.limit ? 'exhausted' : fit.slopeHigh < 0 ? 'falling' : 'steady';
    return {
      type,
      atMs: nowMs,
      level,
      slopePerHour: fit.slope * 3_600_000,
      ttExhaustionMs: until(fit.slope),
      lowerMs: until(fit.slopeLow),
      upperMs: until(fit.slopeHigh),
      nextInMs: p.bucketMs,
    };
  }

  return {
    push(timeMs, value) {
      if (!Number.isFinite(timeMs) || !Number.isFinite(value) || timeMs < lastT) return undefined;
      lastT = timeMs;
      const index = Math.floor(timeMs / p.bucketMs);
      let out: Forecast | undefined;
      if (open !== undefined && index !== open.index) {
        times.push(open.sumT / open.n);
        values.push(open.sumV / open.n);
        lows.push(open.min);
        indices.push(open.index);
        if (times.length > p.buckets) {
          times.shift();
          values.shift();
          lows.shift();
          indices.shift();
        }
        open = undefined;
        out = forecast(timeMs);
      }
      if (open === undefined) open = { index, sumT: 0, sumV: 0, min: Infinity, n: 0 };
      open.min = Math.min(open.min, value);
      open.sumT += timeMs;
      open.sumV += value;
      open.n += 1;
      return out;
    },
  };
}
