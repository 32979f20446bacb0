import { BOOT_PHASES, type BootPhase } from '../core/index.ts';

/** How stall budgets are set for one VM (VmSpec.stall). */
export type StallPolicy = Readonly<{ defaultSeconds: number; floorSeconds: number; factor: number; percentile: number }>;

/** A good boot's timeline: the moment each phase was entered. */
export type Timeline = readonly { phase: BootPhase; atMs: number }[];

/** Per-phase budgets in ms: how long the boot may sit in a phase before it is stalled. */
export type StallBudget = Readonly<{
  /** Budget for each phase that good boots have passed through. */
  perPhase: Readonly<Partial<Record<BootPhase, number>>>;
  /** Budget for a phase no good boot has shown (or when no good boot is known). */
  fallbackMs: number;
  /** How many good boots the budget was learned from (0 = the configured default). */
  learnedFrom: number;
  /** The median good boot time, when known: the yardstick for hang-detection figures. */
  typicalBootMs?: number;
}>;

/** The p-th percentile (0..100) of `xs` by linear interpolation; xs must be non-empty. */
export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo);
}

/** Time spent in each phase of one timeline (until the next phase began). */
export function phaseDurations(t: Timeline): Partial<Record<BootPhase, number>> {
  const out: Partial<Record<BootPhase, number>> = {};
  for (let i = 0; i + 1 < t.length; i++) {
    const cur = t[i]!;
    out[cur.phase] = t[i + 1]!.atMs - cur.atMs;
  }
  return out;
}

/**
 * Learns stall budgets from good boots: for each phase, factor × the chosen percentile of
 * the time good boots spent in it, never below the floor. A fixed timeout is either too
 * short for a slow image or minutes too long for a fast one; this scales with the VM.
 */
export function learnStallBudget(goodTimelines: readonly Timeline[], policy: StallPolicy): StallBudget {
  const floorMs = policy.floorSeconds * 1000;
  if (goodTimelines.length === 0) return { perPhase: {}, fallbackMs: Math.max(floorMs, policy.defaultSeconds * 1000), learnedFrom: 0 };
  const perPhase: Partial<Record<BootPhase, number>> = {};
  for (const phase of BOOT_PHASES) {
    const ds = goodTimelines.map((t) => phaseDurations(t)[phase]).filter((d): d is number => d !== undefined);
    if (ds.length > 0) perPhase[phase] = Math.max(floorMs, policy.factor * percentile(ds, policy.percentile));
  }
  const totals = goodTimelines.map((t) => t.find((e) => e.phase === 'ready')?.atMs).filter((x): x is number => x !== undefined);
  // A phase good boots never showed (e.g. a firmware that printed nothing) gets the budget
  // of a whole good boot: the largest honest bound we have.
  const whole = totals.length > 0 ? policy.factor * percentile(totals, policy.percentile) : policy.defaultSeconds * 1000;
  const out: { perPhase: typeof perPhase; fallbackMs: number; learnedFrom: number; typicalBootMs?: number } = {
    perPhase,
    fallbackMs: Math.max(floorMs, whole),
    learnedFrom: goodTimelines.length,
  };
  if (totals.length > 0) out.typicalBootMs = percentile(totals, 50);
  return out;
}

/** The budget for sitting in `phase`. */
export function budgetFor(b: StallBudget, phase: BootPhase): number {
  return b.perPhase[phase] ?? b.fallbackMs;
}
