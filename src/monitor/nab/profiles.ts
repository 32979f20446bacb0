// NAB's three application profiles (NAB config/profiles.json): how much a detected window,
// a false alarm and a missed window weigh. The true-negative weight is unused by the scorer.

/** The weights one profile gives to detections, false alarms and misses. */
export type CostMatrix = Readonly<{ tpWeight: number; fpWeight: number; fnWeight: number }>;

/** The profiles by the names NAB's scoreboard uses in its columns. */
export const PROFILES = Object.freeze({
  standard: Object.freeze({ tpWeight: 1.0, fpWeight: 0.11, fnWeight: 1.0 }),
  rewardLowFP: Object.freeze({ tpWeight: 1.0, fpWeight: 0.22, fnWeight: 1.0 }),
  rewardLowFN: Object.freeze({ tpWeight: 1.0, fpWeight: 0.11, fnWeight: 2.0 }),
}) satisfies Readonly<Record<string, CostMatrix>>;

export type ProfileName = keyof typeof PROFILES;
