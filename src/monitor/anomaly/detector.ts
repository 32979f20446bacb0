// The bootmedic streaming anomaly detector. It learns a value range on a probation period;
// afterwards each point is scored by the share of several level grids (different level
// counts, on the value and on a log-like scale of it) to which its level is new: never
// visited, or not for a long while. The value's grids widen when the recent values settle
// over a much wider range than the one they were fitted to.
// After an alarm (most grids agree) it rests, so one event is reported once, at its start,
// and for a while after it a weaker novelty scores a little lower.
import { LevelNovelty } from './level-novelty.ts';
import type { StreamingDetector } from './types.ts';

/** The detector's parameters: one set for every series. */
export type DetectorParams = Readonly<{
  /** Level counts of the grids over the learned range. */
  levels: readonly number[];
  /**
   * Level counts of the grids over asinh((value - min) / s), s = logScale × the learned
   * range: fine levels near the bottom of the range, coarse ones near its top.
   */
  logLevels: readonly number[];
  /** The log grids' knee, as a share of the learned range. */
  logScale: number;
  /** A level not visited for this many probation lengths is new again. */
  forget: number;
  /** A share of grids at or above this is an alarm, which starts a rest. */
  alarm: number;
  /** Rest length after an alarm, as a share of the probation period. */
  rest: number;
  /** The recent values watched for a wider range, in probation lengths. */
  widenWindow: number;
  /** Share of those values ignored at each end (their trimmed range is compared). */
  widenTrim: number;
  /** The grids are re-fitted when that trimmed range is more than this many times theirs. */
  widenGrow: number;
  /** An alarm lowers the scores after it by up to this much… */
  fade: number;
  /** …fading by a factor e every this many probation lengths. */
  fadeLength: number;
}>;

/** The one parameter set measured on NAB (docs/monitor.md says how it was chosen). */
export const DEFAULT_PARAMS: DetectorParams = Object.freeze({
  levels: Object.freeze([6, 8, 10, 12, 14, 16]),
  logLevels: Object.freeze([8, 16, 24]),
  logScale: 0.01,
  forget: 6,
  alarm: 0.4,
  rest: 0.15,
  widenWindow: 0.5,
  widenTrim: 0.01,
  widenGrow: 2,
  fade: 0.05,
  fadeLength: 1,
});

/** How often, in points, the recent range is checked (a sort of widenWindow values). */
const WIDEN_EVERY = 50;

/**
 * Builds a detector that learns on its first `probation` points (scoring them 0) and then
 * scores every point in [0, 1] from the points before it and the point itself.
 *
 * @example
 * const d = createDetector(150);
 * for (const [t, v] of samples) if (d.push(t, v) >= 0.3) alert(t); // 0.299: NAB's optimum
 */
export function createDetector(probation: number, params: DetectorParams = DEFAULT_PARAMS): StreamingDetector {
  return new LevelNoveltyDetector(probation, params);
}

class LevelNoveltyDetector implements StreamingDetector {
  readonly #p: DetectorParams;
  readonly #probation: number;
  readonly #rest: number;
  readonly #grids: LevelNovelty[];
  readonly #logGrids: LevelNovelty[];
  /** The log grids' origin and knee. */
  #logAt = 0;
  #logScale = 1;
  /** The last widenWindow × probation values, a ring. */
  readonly #recent: Float64Array;
  #recentAt = 0;
  #recentFull = false;
  #points = 0;
  #lo = 0;
  #hi = 0;
  #learning: number[] | undefined = [];
  #sinceAlarm = Infinity;

  constructor(probation: number, p: DetectorParams) {
    if (p.levels.length === 0 || [...p.levels, ...p.logLevels].some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError('levels and logLevels must be positive integers');
    if (!(p.logScale > 0)) throw new RangeError('logScale must be positive');
    if (!(p.widenTrim >= 0 && p.widenTrim < 0.5) || !(p.widenGrow > 1) || !(p.widenWindow > 0)) throw new RangeError('widenWindow must be positive, widenTrim in [0, 0.5) and widenGrow above 1');
    this.#p = p;
    this.#probation = Math.max(1, Math.floor(probation));
    this.#rest = Math.max(1, Math.round(p.rest * this.#probation));
    this.#grids = p.levels.map((n) => new LevelNovelty(n, p.forget * this.#probation));
    this.#logGrids = p.logLevels.map((n) => new LevelNovelty(n, p.forget * this.#probation));
    this.#recent = new Float64Array(Math.max(2, Math.round(p.widenWindow * this.#probation)));
  }

  push(_time: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    if (this.#learning !== undefined) {
      this.#learning.push(value);
      if (this.#learning.length === this.#probation) this.#endProbation(this.#learning);
      return 0;
    }
    const share = this.#novelty(value);
    this.#remember(value);
    if (this.#recentFull && this.#points % WIDEN_EVERY === 0) this.#widen();
    const resting = this.#sinceAlarm < this.#rest;
    const since = this.#sinceAlarm;
    this.#sinceAlarm++;
    // An alarm during a rest extends it: the event is still going on.
    if (share >= this.#p.alarm) this.#sinceAlarm = 0;
    if (resting || share === 0) return 0;
    // Novelty soon after an alarm is more likely the same event going on: it scores a
    // little lower, so the threshold can leave it out while a fresh event of the same share
    // stays in.
    return Math.max(0, share - this.#p.fade * Math.exp(-since / (this.#p.fadeLength * this.#probation)));
  }

  #novelty(value: number): number {
    let fresh = 0;
    for (const g of this.#grids) if (g.visit(value)) fresh++;
    const x = Math.asinh((value - this.#logAt) / this.#logScale);
    for (const g of this.#logGrids) if (g.visit(x)) fresh++;
    this.#points++;
    return fresh / (this.#grids.length + this.#logGrids.length);
  }

  #remember(value: number): void {
    this.#recent[this.#recentAt] = value;
    this.#recentAt = (this.#recentAt + 1) % this.#recent.length;
    if (this.#recentAt === 0) this.#recentFull = true;
  }

  /** Re-fits the grids when the recent values' trimmed range is much wider than theirs. */
  #widen(): void {
    // The trimmed range is at most the whole range: a scan rules most checks out without a sort.
    let min = Infinity;
    let max = -Infinity;
    for (const v of this.#recent) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (max - min <= this.#p.widenGrow * (this.#hi - this.#lo)) return;
    const sorted = this.#recent.slice().sort();
    const last = sorted.length - 1;
    const lo = sorted[Math.floor(this.#p.widenTrim * last)]!;
    const hi = sorted[Math.ceil((1 - this.#p.widenTrim) * last)]!;
    if (hi - lo <= this.#p.widenGrow * (this.#hi - this.#lo)) return;
    this.#lo = Math.min(this.#lo, lo);
    this.#hi = Math.max(this.#hi, hi);
    for (const g of this.#grids) g.regrid(this.#lo, this.#hi);
  }

  #endProbation(values: number[]): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.#lo = lo;
    this.#hi = hi;
    for (const g of this.#grids) g.setRange(lo, hi);
    this.#logAt = lo;
    this.#logScale = hi > lo ? (hi - lo) * this.#p.logScale : 1;
    for (const g of this.#logGrids) g.setRange(0, Math.asinh((hi - lo) / this.#logScale));
    for (const v of values) this.#novelty(v);
    for (const v of values.slice(-this.#recent.length)) this.#remember(v);
    this.#learning = undefined;
  }
}
