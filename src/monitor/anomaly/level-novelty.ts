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

  /** The value at the middle of a level. */
  #centre(l: number): number {
    if (l < 0) return this.#lo - (-l - 0.5) * this.#width;
    if (l >= this.#levels) return this.#hi + (l - this.#levels + 0.5) * this.#width;
    return this.#lo + (l + 0.5) * this.#width;
  }

  /**
   * Re-fits the levels to a wider range, keeping what was visited: a new level counts as
   * visited (at the latest time) when an old visited level overlaps it.
   */
  regrid(lo: number, hi: number): void {
    const w = this.#width;
    const old = [...this.#visited].map(([l, at]) => [this.#centre(l), at] as const);
    this.setRange(lo, hi);
    this.#visited.clear();
    // The two edges (just inside) and the middle of each old level: an old level is at most
    // as wide as a new one, so these reach every new level it overlaps.
    const inside = w * (0.5 - 1e-9);
    for (const [c, at] of old) {
      for (const x of [c - inside, c, c + inside]) {
        const l = this.level(x);
        this.#visited.set(l, Math.max(this.#visited.get(l) ?? -Infinity, at));
      }
    }
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
