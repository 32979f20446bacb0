// Theil–Sen line fit with Sen's distribution-free confidence band for the slope.
// Sen (1968), "Estimates of the regression coefficient based on Kendall's tau", JASA 63:
// the slope is the median of the pairwise slopes, and the band is read off their sorted
// list at ranks set by the variance of Kendall's S, n(n-1)(2n+5)/18 (no ties).

/** A line through points, with a band for its slope; times and slopes in the caller's units. */
export type TrendFit = Readonly<{
  slope: number;
  slopeLow: number;
  slopeHigh: number;
  /** The value the line takes at time `at` (the last point's time). */
  level: number;
  at: number;
  points: number;
}>;

function median(sorted: readonly number[]): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const byValue = (a: number, b: number) => a - b;

/**
 * Fits a Theil–Sen line to at least 3 points (times strictly increasing); `z` sets the
 * band's width (1.96 for 95 %). Cost: n(n-1)/2 slopes, sorted.
 */
export function theilSen(times: readonly number[], values: readonly number[], z: number): TrendFit {
  const n = times.length;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) slopes.push((values[j]! - values[i]!) / (times[j]! - times[i]!));
  }
  slopes.sort(byValue);
  const count = slopes.length;
  const slope = median(slopes);
  const c = z * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const lo = Math.min(count - 1, Math.max(0, Math.floor((count - c) / 2)));
  const hi = Math.min(count - 1, Math.max(0, Math.ceil((count + c) / 2)));
  const at = times[n - 1]!;
  const offsets = times.map((t, i) => values[i]! - slope * (t - at)).sort(byValue);
  return Object.freeze({ slope, slopeLow: slopes[lo]!, slopeHigh: slopes[hi]!, level: median(offsets), at, points: n });
}
