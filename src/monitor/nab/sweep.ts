// NAB's scoring rules, written from its description (nab/sweeper.py, nab/optimizer.py and
// the NAB paper): which rows are scored, what a detection is worth where it falls, and the
// threshold that turns anomaly scores into detections, chosen over the whole corpus.
import type { CostMatrix } from './profiles.ts';

/** An anomaly window as inclusive row indices of its series. */
export type Window = Readonly<{ start: number; end: number }>;

/** NAB's share of every series that is never scored (the detector learns on it). */
export const PROBATION_PERCENT = 0.15;

/** Rows at the start of a series of `rows` rows that NAB does not score: 15%, at most 750. */
export function probationLength(rows: number): number {
  return Math.min(Math.floor(PROBATION_PERCENT * rows), PROBATION_PERCENT * 5000);
}

/**
 * NAB's reward curve: `2·sigmoid(-5x) - 1`, where x is -1 at a window's left edge, 0 at its
 * right edge and positive past it (in window widths); beyond 3 widths it is flat at -1.
 */
export function scaledSigmoid(x: number): number {
  if (x > 3) return -1;
  return 2 / (1 + Math.exp(5 * x)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

/**
 * One series reduced to its scored rows: each row's anomaly score, the window it falls in
 * (-1 outside every window), and what a detection there is worth before the profile's
 * weight: for a row in a window the reward (1 at the left edge), for a row outside the
 * (negative) false-alarm cost.
 */
export type SweptSeries = Readonly<{
  scores: Float64Array;
  window: Int32Array;
  worth: Float64Array;
  /** Windows that have at least one scored row: each is a miss until detected. */
  windows: number;
}>;

/**
 * Reduces one series to its scored rows. A row outside windows costs -1 if no window came
 * before it; after a window it costs less the nearer it is to that window's right edge.
 */
export function sweepSeries(scores: ArrayLike<number>, windows: readonly Window[]): SweptSeries {
  const n = scores.length;
  const skip = probationLength(n);
  const first = Math.max(0, Math.ceil(skip));
  const out = { scores: new Float64Array(n - first), window: new Int32Array(n - first), worth: new Float64Array(n - first) };
  let w = 0;
  let prevEnd = -1;
  let prevWidth = 0;
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    while (w < windows.length && windows[w]!.end < i) {
      prevEnd = windows[w]!.end;
      prevWidth = windows[w]!.end - windows[w]!.start + 1;
      w++;
    }
    const cur = windows[w];
    let worth: number;
    let inWindow = -1;
    if (cur !== undefined && cur.start <= i) {
      const width = cur.end - cur.start + 1;
      worth = scaledSigmoid(-(cur.end - i + 1) / width) / MAX_TP;
      inWindow = w;
    } else if (prevEnd < 0) {
      worth = -1;
    } else {
      // NAB divides by (width - 1); a one-row window gives an infinite distance, i.e. -1.
      worth = scaledSigmoid(Math.abs(prevEnd - i) / (prevWidth - 1));
    }
    if (i < first) continue;
    const j = i - first;
    out.scores[j] = scores[i]!;
    out.window[j] = inWindow;
    out.worth[j] = worth;
    if (inWindow >= 0) seen.add(inWindow);
  }
  return { ...out, windows: seen.size };
}

/** The best threshold for a profile and the raw NAB score it reaches. */
export type ThresholdChoice = Readonly<{ threshold: number; score: number; tp: number; fp: number }>;

/**
 * Picks the threshold that maximises the summed score of all the series together (NAB's
 * optimiser): a row is a detection when its anomaly score is at least the threshold; in a
 * window only the best (earliest) detection counts; a window without one costs fnWeight;
 * every detection outside windows adds its weighted cost. A threshold above every score
 * (1.1, nothing detected) is the starting candidate; ties keep the higher threshold.
 */
export function optimiseThreshold(series: readonly SweptSeries[], cost: CostMatrix): ThresholdChoice {
  let total = 0;
  let windows = 0;
  for (const s of series) {
    total += s.scores.length;
    windows += s.windows;
  }
  const score = new Float64Array(total);
  const win = new Int32Array(total);
  const worth = new Float64Array(total);
  let at = 0;
  let winBase = 0;
  for (const s of series) {
    score.set(s.scores, at);
    worth.set(s.worth, at);
    for (let k = 0; k < s.window.length; k++) win[at + k] = s.window[k]! < 0 ? -1 : winBase + s.window[k]!;
    at += s.scores.length;
    // Window indices in a series count every window of it; missing ones stay unused.
    let maxW = -1;
    for (const x of s.window) if (x > maxW) maxW = x;
    winBase += maxW + 1;
  }
  const order = new Uint32Array(total);
  for (let k = 0; k < total; k++) order[k] = k;
  order.sort((a, b) => score[b]! - score[a]!);

  const best = new Float64Array(winBase).fill(-cost.fnWeight);
  let sum = -cost.fnWeight * windows;
  let tp = 0;
  let fp = 0;
  let choice: ThresholdChoice = { threshold: 1.1, score: sum, tp: 0, fp: 0 };
  let k = 0;
  while (k < total) {
    const t = score[order[k]!]!;
    while (k < total && score[order[k]!] === t) {
      const r = order[k]!;
      const w = win[r]!;
      if (w < 0) {
        sum += worth[r]! * cost.fpWeight;
        fp++;
      } else {
        const v = worth[r]! * cost.tpWeight;
        if (v > best[w]!) {
          sum += v - best[w]!;
          best[w] = v;
        }
        tp++;
      }
      k++;
    }
    if (sum > choice.score) choice = { threshold: t, score: sum, tp, fp };
  }
  return choice;
}

/** The raw NAB score of one series at a given threshold (its share of the corpus total). */
export function scoreAt(s: SweptSeries, cost: CostMatrix, threshold: number): number {
  const best = new Map<number, number>();
  let fp = 0;
  for (let k = 0; k < s.scores.length; k++) {
    if (!(s.scores[k]! >= threshold)) continue;
    const w = s.window[k]!;
    if (w < 0) fp += s.worth[k]! * cost.fpWeight;
    else best.set(w, Math.max(best.get(w) ?? -Infinity, s.worth[k]! * cost.tpWeight));
  }
  let tp = 0;
  for (const v of best.values()) tp += v;
  return fp + tp - cost.fnWeight * (s.windows - best.size);
}
