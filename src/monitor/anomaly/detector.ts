// The bootmedic anomaly detector: learns on a probation period, then scores each point by
// how new its recent pattern of levels is, and rests after an alarm so one event is
// reported once.
import { PatternNovelty } from './novelty.ts';
import { WindowedLikelihood } from './likelihood.ts';
import type { StreamingDetector } from './types.ts';

/** The detector's parameters: one set for every series. */
export type DetectorParams = Readonly<{
  /** Level counts of the quantisers; a point's novelty is the share of them it is new to. */
  levels: readonly number[];
  growth: number;
  familiar: number;
  slot: number;
  period: number;
  order: number;
  capacity: number;
  /** A raw score at or above this is an alarm that starts a rest. */
  alarm: number;
  minor: number;
  /** Rest length as a share of the probation period. */
  rest: number;
  /** 0 scores the raw novelty; otherwise the likelihood of its recent mean, over this many decades. */
  decades: number;
  /** Likelihood history as a share of the probation period, and the recent mean's length. */
  long: number;
  short: number;
}>;

/** The parameter set measured on NAB (docs/monitor.md). */
export const DEFAULT_PARAMS: DetectorParams = Object.freeze({ levels: [6, 8, 10, 12, 14, 16], growth: 1, familiar: 1, slot: 0, period: 86_400_000, order: 0, capacity: 100_000, alarm: 0.9, minor: 0.4, rest: 0.15, decades: 0, long: 1, short: 10 });

/** Builds a detector that learns on the first `probation` points (scoring them 0). */
export function createDetector(probation: number, params: DetectorParams = DEFAULT_PARAMS): StreamingDetector {
  return new EnsembleDetector(probation, params);
}

class EnsembleDetector implements StreamingDetector {
  readonly #p: DetectorParams;
  readonly #probation: number;
  readonly #rest: number;
  readonly #novelty: PatternNovelty[];
  readonly #likelihood: WindowedLikelihood;
  #learning: [number, number][] = [];
  #n = 0;
  #mean = 0;
  #var = 0;
  #sinceAlarm = Infinity;
  #sinceMinor = Infinity;

  constructor(probation: number, p: DetectorParams) {
    this.#p = p;
    this.#probation = Math.max(1, Math.floor(probation));
    this.#rest = Math.max(1, Math.round(p.rest * this.#probation));
    this.#novelty = p.levels.map((levels) => new PatternNovelty({ ...p, levels }));
    this.#likelihood = new WindowedLikelihood(Math.round(p.long * this.#probation), p.short);
  }

  push(time: number, value: number): number {
    this.#n++;
    if (this.#n <= this.#probation) {
      this.#learning.push([time, value]);
      if (this.#n === this.#probation) this.#endProbation();
      return 0;
    }
    const raw = this.#score(time, value);
    const resting = this.#sinceAlarm < this.#rest;
    const quiet = this.#sinceMinor < this.#rest;
    this.#sinceAlarm++;
    this.#sinceMinor++;
    if (raw >= this.#p.alarm) this.#sinceAlarm = 0;
    if (raw >= this.#p.minor) this.#sinceMinor = 0;
    if (resting) return 0;
    return raw < 0.5 && quiet ? 0 : raw;
  }

  #score(time: number, value: number): number {
    let newShare = 0;
    let fresh = 0;
    let atHour = 0;
    for (const q of this.#novelty) {
      const r = q.push(value, time);
      if (r.newAtHour) atHour += 1 / this.#novelty.length;
      if (r.newLevel) newShare += 1 / this.#novelty.length;
      fresh += r.fresh / this.#novelty.length;
    }
    const d = value - this.#mean;
    const z = this.#n > 1 ? Math.abs(d) / Math.sqrt(Math.max(this.#var, 1e-12)) : 0;
    const a = 2 / (Math.round(this.#p.long * this.#probation) + 1);
    this.#mean += a * d;
    this.#var = (1 - a) * (this.#var + a * d * d);
    const pattern = this.#p.decades > 0 ? Math.min(1, z / this.#p.decades) : this.#p.slot > 0 ? atHour : fresh;
    // A value in a level never reached before outranks any pattern change; how far past
    // the known levels it lies orders such values among themselves.
    if (newShare > 0) return 0.5 + 0.5 * newShare;
    return 0.49 * pattern;
  }

  #endProbation(): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (const [, v] of this.#learning) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    for (const q of this.#novelty) q.setRange(lo, hi);
    for (const [t, v] of this.#learning) this.#score(t, v);
    this.#learning = [];
  }
}
