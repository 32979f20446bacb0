// NAB's final figure: each profile's best corpus score normalised between the null
// detector (never fires) and the perfect one (every window detected at its left edge).
import { PROFILES, type ProfileName } from './profiles.ts';
import { optimiseThreshold, sweepSeries, type SweptSeries, type ThresholdChoice, type Window } from './sweep.ts';

/** One profile's result: the normalised score (0 null, 100 perfect) and how it was reached. */
export type ProfileScore = Readonly<{ score: number; raw: number; threshold: number; nullRaw: number; perfectRaw: number }>;

/** The three profiles' results for a corpus of scored series. */
export type NabScores = Readonly<Record<ProfileName, ProfileScore>>;

/** A series' anomaly scores (one per row, in [0, 1]) and its label windows. */
export type ScoredSeries = Readonly<{ scores: ArrayLike<number>; windows: readonly Window[] }>;

const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

/**
 * Scores a corpus the way NAB does: sweeps every series, optimises one threshold per
 * profile over all of them, and normalises with `100·(S - S_null)/(S_perfect - S_null)`.
 * `totalWindows` is the number of windows in the label file (NAB's perfect score counts
 * every one of them).
 *
 * @example
 * const s = scoreNab(series.map((x) => ({ scores: detect(x), windows: x.windows })));
 * s.standard.score; // 0 for a detector that never fires, 100 for a perfect one
 */
export function scoreNab(series: readonly ScoredSeries[], totalWindows?: number): NabScores {
  const swept: SweptSeries[] = series.map((s) => sweepSeries(s.scores, s.windows));
  // NAB's null detector writes 0.5 on every row; its optimised score is the baseline.
  const nulls: SweptSeries[] = series.map((s) => sweepSeries(new Float64Array(s.scores.length).fill(0.5), s.windows));
  const windows = totalWindows ?? series.reduce((n, s) => n + s.windows.length, 0);
  const out = {} as Record<ProfileName, ProfileScore>;
  for (const p of PROFILE_NAMES) {
    const cost = PROFILES[p];
    const best: ThresholdChoice = optimiseThreshold(swept, cost);
    const nullRaw = optimiseThreshold(nulls, cost).score;
    const perfectRaw = windows * cost.tpWeight;
    out[p] = { score: (100 * (best.score - nullRaw)) / (perfectRaw - nullRaw), raw: best.score, threshold: best.threshold, nullRaw, perfectRaw };
  }
  return out;
}
