// The seasonal Sen slope: a Theil–Sen line fitted only to pairs of points from the same
// season (here the same hour of the day), so that a daily cycle does not pass for a trend.
// Hirsch, Slack & Smith (1982), "Techniques of trend analysis for monthly water quality
// data", Water Resources Research 18(1): the slope is the median of the within-season
// pairwise slopes, and its band is read off their sorted list at ranks set by the seasonal
// Kendall variance, the sum over seasons of n(n-1)(2n+5)/18.
import type { TrendFit } from './theil-sen.ts';

/** A seasonal line: the trend, its band, and each season's offset from the trend. */
export type SeasonalFit = TrendFit & Readonly<{
  /** Offset of each season from the line (mean 0 over the seasons seen); 0 for a season not seen. */
  profile: Float64Array;
}>;

const byValue = (a: number, b: number) => a - b;

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Fits a seasonal Sen line to points (times strictly increasing) whose seasons are
 * `seasons[i]` in 0..period-1; at least one season must hold two points. `z` sets the band.
 * `level` is the deseasonalised line at the last point's time.
 */
export function seasonalSen(times: readonly number[], values: readonly number[], seasons: readonly number[], period: number, z: number): SeasonalFit {
  const n = times.length;
  const members: number[][] = Array.from({ length: period }, () => []);
  for (let i = 0; i < n; i++) members[seasons[i]!]!.push(i);
  const slopes: number[] = [];
  let variance = 0;
  for (const m of members) {
    const k = m.length;
    variance += (k * (k - 1) * (2 * k + 5)) / 18;
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) slopes.push((values[m[b]!]! - values[m[a]!]!) / (times[m[b]!]! - times[m[a]!]!));
    }
  }
  slopes.sort(byValue);
  const count = slopes.length;
  const slope = median(slopes);
  const c = z * Math.sqrt(variance);
  const lo = Math.min(count - 1, Math.max(0, Math.floor((count - c) / 2)));
  const hi = Math.min(count - 1, Math.max(0, Math.ceil((count + c) / 2)));
  const at = times[n - 1]!;
  // Each season's median offset from the line through `at`; the level is their mean, so a
  // season seen more often does not pull the level towards itself.
  const profile = new Float64Array(period);
  let sum = 0;
  let seen = 0;
  members.forEach((m, s) => {
    if (m.length === 0) return;
    const offset = median(m.map((i) => values[i]! - slope * (times[i]! - at)).sort(byValue));
    profile[s] = offset;
    sum += offset;
    seen++;
  });
  const level = sum / seen;
  members.forEach((m, s) => {
    if (m.length > 0) profile[s] = profile[s]! - level;
  });
  return Object.freeze({ slope, slopeLow: slopes[lo]!, slopeHigh: slopes[hi]!, level, at, points: n, profile });
}
