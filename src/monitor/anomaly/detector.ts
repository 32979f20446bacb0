// The bootmedic streaming anomaly detector. It learns a value range on a probation period;
// afterwards each point is scored by the share of several level grids (different level
// counts) to which its level is new: never visited, or not for a long while. After an alarm
// (most grids agree) it rests, so one event is reported once, at its start.
import { LevelNovelty } from './level-novelty.ts';
import type { StreamingDetector } from './types.ts';

/** The detector's parameters: one set for every series. */
export type DetectorParams = Readonly<{
  /** Level counts of the grids over the learned range. */
  levels: readonly number[];
  /** A level not visited for this many probation lengths is new again. */
  forget: number;
  /** A share of grids at or above this is an alarm, which starts a rest. */
  alarm: number;
  /** Rest length after an alarm, as a share of the probation period. */
  rest: number;
}>;

/** The one parameter set measured on NAB (docs/monitor.md says how it was chosen). */
export const DEFAULT_PARAMS: DetectorParams = Object.freeze({ levels: Object.freeze([6, 8, 10, 12, 14, 16]), forget: 6, alarm: 0.65, rest: 0.15 });

/**
 * Builds a detector that learns on its first `probation` points (scoring them 0) and then
 * scores every point in [0, 1] from the points before it and the point itself.
 *
 * @example
 * const d = createDetector(150);
 * for (const [t, v] of samples) if (d.push(t, v) >= 0.5) alert(t); // 0.5: NAB's optimum
 */
export function createDetector(probation: number, params: DetectorParams = DEFAULT_PARAMS): StreamingDetector {
  return new LevelNoveltyDetector(probation, params);
}

class LevelNoveltyDetector implements StreamingDetector {
  readonly #alarm: number;
  readonly #probation: number;
  readonly #rest: number;
  readonly #grids: LevelNovelty[];
  #learning: number[] | undefined = [];
  #sinceAlarm = Infinity;

  constructor(probation: number, p: DetectorParams) {
    if (p.levels.length === 0 || p.levels.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError('levels must be positive integers');
    this.#alarm = p.alarm;
    this.#probation = Math.max(1, Math.floor(probation));
    this.#rest = Math.max(1, Math.round(p.rest * this.#probation));
    this.#grids = p.levels.map((n) => new LevelNovelty(n, p.forget * this.#probation));
  }

  push(_time: number, value: number): number {
    if (!Number.isFinite(value)) return 0;
    if (this.#learning !== undefined) {
      this.#learning.push(value);
      if (this.#learning.length === this.#probation) this.#endProbation(this.#learning);
      return 0;
    }
    const share = this.#novelty(value);
    const resting = this.#sinceAlarm < this.#rest;
    this.#sinceAlarm++;
    // An alarm during a rest extends it: the event is still going on.
    if (share >= this.#alarm) this.#sinceAlarm = 0;
    return resting ? 0 : share;
  }

  #novelty(value: number): number {
    let fresh = 0;
    for (const g of this.#grids) if (g.visit(value)) fresh++;
    return fresh / this.#grids.length;
  }

  #endProbation(values: number[]): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    for (const g of this.#grids) g.setRange(lo, hi);
    for (const v of values) this.#novelty(v);
    this.#learning = undefined;
  }
}
