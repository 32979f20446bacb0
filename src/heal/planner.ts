import { CAUSE_IDS, type CauseId } from '../diagnose/index.ts';
import { costSeconds, fixVector, isApplicable, type Remedy, type RemedyBook, type RemedyContext } from './remedies.ts';

// Decision-theoretic troubleshooting (Heckerman, Breese & Rommelse, "Decision-theoretic
// troubleshooting", CACM 1995; Kadane & Simon 1977): with one fault present and actions
// that each either fix it or not, trying actions in decreasing order of
// P(fixes | evidence so far) / cost minimises the expected cost to repair. We apply the
// rule greedily: pick the best ratio, assume it failed, update the posterior with that
// failure (Bayes: P(c | failed) ∝ P(c) · (1 − P(fix | c))), pick again. When remedies
// fix causes only partly the greedy order is a heuristic, not a proof; bench/
// heal-planner.ts measures it against a genetic algorithm searching whole orders.

/** A posterior over causes in CAUSE_IDS order (sums to 1). */
export type Posterior = readonly number[];

/** One step of a plan. */
export type PlanStep = Readonly<{
  remedy: string;
  title: string;
  /** P(this step fixes the boot | every earlier step failed). */
  pFix: number;
  /** P(this step is reached), i.e. every earlier step failed. */
  pReach: number;
  costSeconds: number;
}>;

/** An ordered plan with its expected time to recovery. */
export type Plan = Readonly<{
  steps: readonly PlanStep[];
  /** Expected seconds until ready, counting the hand-over's cost when nothing works. */
  expectedSeconds: number;
  /** P(one of the steps fixes the boot). */
  pRecover: number;
  /** Expected resource units spent (Σ resources × P(reached)). */
  expectedResources: number;
}>;

/** Remedies already tried in this incident, by id, with how often. */
export type Tried = Readonly<Record<string, number>>;

/** Turns a ranked cause list (a Diagnosis's `causes`) into a posterior vector. */
export function posteriorOf(causes: readonly { cause: CauseId; probability: number }[]): number[] {
  const p = CAUSE_IDS.map((c) => causes.find((x) => x.cause === c)?.probability ?? 0);
  const z = p.reduce((a, b) => a + b, 0);
  return z > 0 ? p.map((x) => x / z) : CAUSE_IDS.map(() => 1 / CAUSE_IDS.length);
}

/** The posterior after a remedy with fix vector `fix` was tried and the boot still failed. */
export function afterFailure(post: Posterior, fix: readonly number[]): number[] {
  const q = post.map((p, c) => p * (1 - fix[c]!));
  const z = q.reduce((a, b) => a + b, 0);
  return z > 0 ? q.map((x) => x / z) : [...post];
}

/** P(the remedy fixes the boot) under a posterior. */
export const pFixOf = (post: Posterior, fix: readonly number[]) => post.reduce((s, p, c) => s + p * fix[c]!, 0);

/** Remedies that may still be tried: preconditions hold and attempts are left. */
export function candidates(book: RemedyBook, ctx: RemedyContext, tried: Tried = {}): Remedy[] {
  return book.remedies.filter((r) => isApplicable(r, ctx) && (tried[r.id] ?? 0) < r.maxAttempts);
}

/**
 * Evaluates a fixed order of remedies exactly: expected seconds to recovery (the
 * hand-over's cost when all fail), P(recovery) and expected resources.
 */
export function evaluateOrder(order: readonly Remedy[], post: Posterior, ctx: RemedyContext, book: RemedyBook, tried: Tried = {}): Plan {
  let p = [...post];
  let reach = 1;
  let expected = 0;
  let resources = 0;
  const steps: PlanStep[] = [];
  const used: Record<string, number> = { ...tried };
  for (const r of order) {
    const fix = fixVector(r, ctx);
    const f = pFixOf(p, fix);
    used[r.id] = (used[r.id] ?? 0) + 1;
    const cost = costSeconds(r, ctx, used[r.id]);
    steps.push({ remedy: r.id, title: r.title, pFix: f, pReach: reach, costSeconds: cost });
    expected += reach * cost;
    resources += reach * r.resources;
    reach *= 1 - f;
    p = afterFailure(p, fix);
  }
  return { steps, expectedSeconds: expected + reach * book.handOver.costSeconds, pRecover: 1 - reach, expectedResources: resources };
}

/**
 * The greedy plan: repeatedly the applicable remedy with the highest P(fix | all earlier
 * failed) / cost, until none has P(fix) of at least `minPFix`. The hand-over follows.
 * @example
 * const plan = planRemedies(posteriorOf(diagnosis.causes), defaultRemedies(), ctx);
 * plan.steps[0].remedy; // 'more-memory'
 */
export function planRemedies(post: Posterior, book: RemedyBook, ctx: RemedyContext, opts: { tried?: Tried; minPFix?: number } = {}): Plan {
  const minPFix = opts.minPFix ?? 0.01;
  const used: Record<string, number> = { ...opts.tried };
  let p = [...post];
  const order: Remedy[] = [];
  for (;;) {
    let best: { r: Remedy; ratio: number; fix: number[] } | undefined;
    for (const r of candidates(book, ctx, used)) {
      const fix = fixVector(r, ctx);
      const f = pFixOf(p, fix);
      if (f < minPFix) continue;
      // Ties (equal ratio) go to the earlier remedy in the data file: a stable, readable order.
      const ratio = f / Math.max(costSeconds(r, ctx, (used[r.id] ?? 0) + 1), 1e-9);
      if (best === undefined || ratio > best.ratio) best = { r, ratio, fix };
    }
    if (best === undefined) break;
    order.push(best.r);
    used[best.r.id] = (used[best.r.id] ?? 0) + 1;
    p = afterFailure(p, best.fix);
  }
  return evaluateOrder(order, post, ctx, book, opts.tried);
}
