// A streaming time-to-exhaustion forecaster for one "free resource" series (free memory,
// free disk space): samples are averaged into fixed time buckets, the last `buckets` of
// them are fitted with a Theil–Sen line, and where that line, lowered by the deepest dip
// below it in the window, crosses `limit` is the forecast.
import { monitorErrors } from '../errors.ts';
import { theilSen } from './theil-sen.ts';

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
}>;

/**
 * Defaults for a resource watched against a 48-hour horizon: 1-hour buckets, a 2-day window,
 * and a first forecast once the window is full: a window of whole days keeps a daily cycle
 * from passing for a trend (a part of a cycle looks like one).
 */
export const DEFAULT_FORECAST_PARAMS: Omit<ForecastParams, 'limit'> = Object.freeze({ bucketMs: 3_600_000, buckets: 48, minBuckets: 48, z: 1.96 });

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
  // Per bucket: mean time, mean value and lowest value.
  const times: number[] = [];
  const values: number[] = [];
  const lows: number[] = [];
  let open: { index: number; sumT: number; sumV: number; min: number; n: number } | undefined;
  let lastT = -Infinity;

  function forecast(nowMs: number): Forecast {
    if (times.length < p.minBuckets) return { type: 'learning', atMs: nowMs, buckets: times.length };
    const fit = theilSen(times, values, p.z);
    const slopePerMs = fit.slope;
    const level = fit.level + slopePerMs * (nowMs - fit.at);
    // The series runs out when a sample first reaches the limit, which noise or a daily
    // trough does before the line does: the line is lowered by how far the buckets' lowest
    // samples fall below it, at the 10 % quantile of the window (a daily trough spans more
    // than a tenth of a day; one freak sample does not count).
    const dips = times.map((t, i) => Math.min(0, lows[i]! - (fit.level + slopePerMs * (t - fit.at)))).sort((a, b) => a - b);
    const dip = dips[Math.floor(dips.length / 10)]!;
    const headroom = level + dip - p.limit;
    const type = lows.at(-1)! <= p.limit || level <= p.limit ? 'exhausted' : fit.slopeHigh < 0 ? 'falling' : 'steady';
    return {
      type,
      atMs: nowMs,
      level,
      slopePerHour: slopePerMs * 3_600_000,
      ttExhaustionMs: timeTo(headroom, slopePerMs),
      lowerMs: timeTo(headroom, fit.slopeLow),
      upperMs: timeTo(headroom, fit.slopeHigh),
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
        if (times.length > p.buckets) {
          times.shift();
          values.shift();
          lows.shift();
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
