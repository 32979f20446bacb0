// Level novelty: values are cut into levels of equal width over a learned range (and the
// same width beyond it), and a point is novel when its level was never visited before, or
// not for a long time (the grid forgets).
// The idea of discretised novelty follows contextual detectors such as CAD OSE; this
// formulation (levels outside the range, several grids voting) is ours.

/** Remembers which levels of one grid were visited, and when (in points). */
export class LevelNovelty {
  readonly #levels: number;
  readonly #forget: number;
  readonly #visited = new Map<number, number>();
  #clock = 0;
  #lo = 0;
  #hi = 0;
  #width = 1;

  /**
   * A grid of `levels` levels over the range set by {@link setRange}; a level not visited
   * for more than `forget` points is new again (Infinity: never forgotten).
   */
  constructor(levels: number, forget = Infinity) {
    this.#levels = levels;
    this.#forget = forget;
  }

  /** Sets the range the levels cover; outside it, levels of the same width continue. */
  setRange(lo: number, hi: number): void {
    this.#lo = lo;
    this.#hi = hi;
    this.#width = hi > lo ? (hi - lo) / this.#levels : 1;
  }

  /** The level of a value: 0..levels-1 inside the range, below 0 or above levels-1 outside. */
  level(v: number): number {
    const n = this.#levels;
    if (v >= this.#lo && v <= this.#hi) return Math.min(n - 1, Math.floor((v - this.#lo) / this.#width));
    // Memory stays bounded: excursions beyond LIMIT range widths share the outermost level.
    const past = Math.min(Math.floor((v > this.#hi ? v - this.#hi : this.#lo - v) / this.#width), LIMIT * n);
    return v > this.#hi ? n + past : -1 - past;
  }

  /** Visits the value's level and says whether it was new (never, or long ago, visited). */
  visit(v: number): boolean {
    const l = this.level(v);
    const last = this.#visited.get(l);
    this.#visited.set(l, this.#clock);
    this.#clock++;
    return last === undefined || this.#clock - last > this.#forget;
  }
}

/** How many range widths beyond the range still get levels of their own. */
const LIMIT = 1000;
