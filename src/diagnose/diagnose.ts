import type { CauseId } from '../core/index.ts';
import type { Evidence } from './evidence.ts';
import { defaultModel, type Model } from './model.ts';
import { observe, type Observation } from './observe.ts';

// Exact inference in a naive-Bayes network: the cause is the single parent of every
// evidence variable, so P(cause | E) ∝ P(cause) · Π P(e | cause). We sum logs and
// normalise with log-sum-exp, which is exact and cannot underflow however much
// evidence there is. The price of naivety is over-confidence when two observations
// say the same thing twice; the data counts each message class once to limit that.

/** One cause with its posterior probability. */
export type RankedCause = { cause: CauseId; probability: number };

/** How much one observation moved one cause, in bits (log2 likelihood ratio). */
export type Effect = { cause: CauseId; bits: number };

/** An observation and its effects: weight of evidence for each cause against the others. */
export type ExplainedEvidence = {
  evidence: string;
  detail: string;
  /** Weight of evidence for the top cause: log2 P(e | top) / P(e | not top) under the prior. */
  forTop: number;
  /** The causes this observation raised and lowered most. */
  raised: Effect[];
  lowered: Effect[];
};

/** Why the top cause won: per-evidence log-likelihood ratios against the runner-up, summing exactly to the posterior log-odds. */
export type Versus = {
  top: CauseId;
  runnerUp: CauseId;
  priorBits: number;
  items: { evidence: string; bits: number }[];
  posteriorBits: number;
};

export type Explanation = { summary: string; evidence: ExplainedEvidence[]; versus: Versus };

/** The result of diagnose: causes ranked by posterior probability, and why. */
export type Diagnosis = { causes: RankedCause[]; explanation: Explanation };

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
const LOG2 = Math.log(2);

/** Posterior over causes (CAUSE_IDS order) from a prior and observations; exact, in log space. */
export function posterior(prior: readonly number[], observations: readonly Observation[]): number[] {
  const logp = prior.map((p, c) => observations.reduce((s, o) => s + Math.log(o.likelihood[c]!), Math.log(p)));
  const max = Math.max(...logp);
  const w = logp.map((l) => Math.exp(l - max));
  const z = w.reduce((a, b) => a + b, 0);
  return w.map((x) => x / z);
}

/** Weight of evidence (bits) of one observation for cause c against all the others, weighted by the prior. */
function weightOfEvidence(o: Observation, prior: readonly number[], c: number): number {
  let rest = 0;
  for (let k = 0; k < prior.length; k++) if (k !== c) rest += prior[k]! * o.likelihood[k]!;
  return Math.log(o.likelihood[c]! / (rest / (1 - prior[c]!))) / LOG2;
}

function explain(model: Model, obs: readonly Observation[], post: readonly number[], order: number[]): Explanation {
  const ids = model.causes.map((c) => c.id);
  const top = order[0]!;
  const second = order[1]!;
  const evidence = obs
    .map((o): ExplainedEvidence => {
      const effects = ids.map((cause, c) => ({ cause, bits: round(weightOfEvidence(o, model.prior, c), 2) }));
      const byBits = [...effects].sort((a, b) => b.bits - a.bits);
      return {
        evidence: o.evidence,
        detail: o.detail,
        forTop: effects[top]!.bits,
        raised: byBits.filter((e) => e.bits >= 0.5).slice(0, 3),
        lowered: byBits.filter((e) => e.bits <= -0.5).reverse().slice(0, 3),
      };
    })
    .sort((a, b) => Math.abs(b.forTop) - Math.abs(a.forTop));
  const items = obs
    .map((o) => ({ evidence: o.evidence, bits: round(Math.log(o.likelihood[top]! / o.likelihood[second]!) / LOG2, 2) }))
    .filter((i) => i.bits !== 0)
    .sort((a, b) => Math.abs(b.bits) - Math.abs(a.bits));
  const versus: Versus = {
    top: ids[top]!,
    runnerUp: ids[second]!,
    priorBits: round(Math.log(model.prior[top]! / model.prior[second]!) / LOG2, 2),
    items,
    posteriorBits: round(Math.log(post[top]! / post[second]!) / LOG2, 2),
  };
  const pct = (c: number) => `${(post[c]! * 100).toFixed(1)}%`;
  const movers = evidence.filter((e) => e.forTop > 0.5).slice(0, 3).map((e) => `${e.detail} (${e.evidence}, +${e.forTop.toFixed(1)} bits)`);
  const summary =
    obs.length === 0
      ? `no evidence: the prior ranks ${ids[top]} first (${pct(top)})`
      : `${ids[top]} (${pct(top)}) over ${ids[second]} (${pct(second)})` + (movers.length > 0 ? `, mostly because of: ${movers.join('; ')}` : '; no single observation points strongly at it');
  return { summary, evidence, versus };
}

/**
 * Ranks the causes of a failed boot by posterior probability and explains the ranking.
 * @example
 * const d = diagnose({ findings, phase: 'kernel', status: 'failed' });
 * d.causes[0]; // { cause: 'insufficient-memory', probability: 0.93 }
 */
export function diagnose(evidence: Evidence, model: Model = defaultModel()): Diagnosis {
  const obs = observe(evidence, model);
  const post = posterior(model.prior, obs);
  const order = post.map((_, i) => i).sort((a, b) => post[b]! - post[a]! || a - b);
  return {
    causes: order.map((i) => ({ cause: model.causes[i]!.id, probability: round(post[i]!, 6) })),
    explanation: explain(model, obs, post, order),
  };
}
