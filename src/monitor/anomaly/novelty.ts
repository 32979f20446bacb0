// Pattern novelty: values are cut into coarse levels and the detector remembers which short
// sequences of levels it has seen; a point is surprising when it ends sequences never seen.
// The idea follows contextual detectors such as CAD OSE; this is our own formulation.

/** Options of the pattern novelty scorer. */
export type NoveltyOptions = Readonly<{
  /** How many levels the learned range is cut into; values outside it get levels of their own. */
  levels: number;
  /** The longest context (levels before the current one) that is remembered. */
  order: number;
  /** At most this many distinct sequences are remembered; the oldest are forgotten first. */
  capacity: number;
  /** Each level outside the learned range is this many times wider than the one before. */
  growth: number;
  /** A level is familiar once it has been visited this many times. */
  familiar: number;
  /** Time-of-period context: slot length and period, in ms. */
  slot: number;
  period: number;
}>;

/** Scores how new the latest sequences of levels are, once its level range is set. */
export class PatternNovelty {
  readonly #opts: NoveltyOptions;
  readonly #seen = new Map<string, number>();
  readonly #recent: number[] = [];
  #lo = 0;
  #hi = 0;
  #width = 1;
  #clock = 0;
  readonly #levels = new Map<number, number>();
  readonly #atHour = new Set<string>();
  #top = 0;
  #bottom = 0;

  constructor(opts: NoveltyOptions) {
    this.#opts = opts;
  }

  /** Sets the level range from the values seen while learning. */
  setRange(lo: number, hi: number): void {
    this.#lo = lo;
    this.#hi = hi;
    this.#width = hi > lo ? (hi - lo) / this.#opts.levels : 1;
  }

  #level(v: number): number {
    const n = this.#opts.levels;
    if (v >= this.#lo && v <= this.#hi) return Math.min(n - 1, Math.floor((v - this.#lo) / this.#width));
    // Outside the learned range levels widen geometrically (1, 2, 4... level widths), so a
    // heavy-tailed series needs an ever larger excursion to reach a new level.
    const grow = this.#opts.growth;
    const past = v > this.#hi ? (v - this.#hi) / this.#width : (this.#lo - v) / this.#width;
    const k = grow > 1 ? Math.floor(Math.log(1 + past * (grow - 1)) / Math.log(grow)) : Math.floor(past);
    const capped = Math.min(k, 1000 * n);
    return v > this.#hi ? n + capped : -1 - capped;
  }

  /**
   * Learns the value and says how new it is: `newLevel` when its level was never seen, `beyond`, how many levels it lies past every
   * level seen before (0 when inside them), and `fresh`, the share of context lengths
   * 1..order whose sequence ending here was never seen.
   */
  push(v: number, time: number): { newLevel: boolean; newAtHour: boolean; beyond: number; fresh: number } {
    const level = this.#level(v);
    const visits = this.#levels.get(level) ?? 0;
    const newLevel = visits < this.#opts.familiar;
    this.#levels.set(level, visits + 1);
    const hourKey = `${Math.floor(time / this.#opts.slot) % Math.round(this.#opts.period / this.#opts.slot)}:${level}`;
    const newAtHour = !this.#atHour.has(hourKey);
    this.#atHour.add(hourKey);
    const beyond = this.#clock === 0 ? 0 : Math.max(0, level - this.#top, this.#bottom - level);
    if (this.#clock === 0 || level > this.#top) this.#top = level;
    if (this.#clock === 0 || level < this.#bottom) this.#bottom = level;
    const recent = this.#recent;
    let key = `${level}`;
    let fresh = 0;
    const orders = Math.min(this.#opts.order, recent.length);
    for (let k = 1; k <= orders; k++) {
      key = `${recent[recent.length - k]},${key}`;
      if (!this.#seen.has(key)) fresh++;
      else this.#seen.delete(key);
      this.#seen.set(key, this.#clock);
    }
    while (this.#seen.size > this.#opts.capacity) this.#seen.delete(this.#seen.keys().next().value!);
    recent.push(level);
    if (recent.length > this.#opts.order) recent.shift();
    this.#clock++;
    return { newLevel, newAtHour, beyond, fresh: this.#opts.order > 0 ? fresh / this.#opts.order : 0 };
  }
}
