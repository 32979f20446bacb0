// Windowed likelihood of a raw score: how unusual the recent average of a raw anomaly
// score is against its own longer history, as a Gaussian tail probability. This follows
// the idea of HTM's anomaly likelihood (Ahmad et al. 2017); the formulation is ours.

/** Tail probability of the standard normal above `z` (Abramowitz–Stegun 7.1.26 erfc fit). */
export function normalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/** Scores the recent mean of a raw score against a bounded history of it. */
export class WindowedLikelihood {
  readonly #long: Float64Array;
  readonly #short: Float64Array;
  #n = 0;
  #sum = 0;
  #sq = 0;
  #shortSum = 0;

  constructor(longWindow: number, shortWindow: number) {
    this.#long = new Float64Array(Math.max(2, longWindow));
    this.#short = new Float64Array(Math.max(1, shortWindow));
  }

  /**
   * Adds a raw score and returns -log10 of the tail probability of the short mean under the
   * long history's Gaussian, divided by `decades` and capped at 1 (1 = at most 10^-decades).
   */
  push(raw: number, decades: number): number {
    const L = this.#long.length;
    const S = this.#short.length;
    const n = this.#n;
    const s = n % S;
    this.#shortSum += raw - (n >= S ? this.#short[s]! : 0);
    this.#short[s] = raw;
    const count = Math.min(n, L);
    let score = 0;
    if (count >= Math.min(L, 2 * S)) {
      const mean = this.#sum / count;
      const sd = Math.sqrt(Math.max(this.#sq / count - mean * mean, 0));
      const shortMean = this.#shortSum / Math.min(n + 1, S);
      const q = normalTail((shortMean - mean) / Math.max(sd, 1e-3));
      score = Math.min(1, -Math.log10(Math.max(q, 1e-300)) / decades);
    }
    const l = n % L;
    if (n >= L) {
      const old = this.#long[l]!;
      this.#sum -= old;
      this.#sq -= old * old;
    }
    this.#long[l] = raw;
    this.#sum += raw;
    this.#sq += raw * raw;
    this.#n++;
    return score;
  }
}
