import { assertNever } from '../core/index.ts';
import { healErrors } from './errors.ts';
import type { IncidentState, StepInFlight } from './incident-state.ts';
import { planRemedies, type Plan } from './planner.ts';
import { backoffSeconds, fixVector, type Remedy, type RemedyBook, type RemedyContext } from './remedies.ts';

// What to do next in an incident, from its replayed state alone. Pure: the executor carries
// the action out, records it, replays, and asks again. Guardrails (docs/heal.md): an attempt
// budget per incident and per time window (vSphere HA's VM monitoring stops after 3 resets
// within its window); a step interrupted before its action completed is repeated only when
// its action is idempotent; the last step is a hand-over.

/** Attempt limits. */
export type HealBudget = Readonly<{ perIncident: number; perWindow: number; windowSeconds: number }>;
export const DEFAULT_BUDGET: HealBudget = Object.freeze({ perIncident: 6, perWindow: 3, windowSeconds: 3600 });

/** What `decide` reads besides the incident: the remedies, the VM's facts and the VM's recent attempts. */
export type DecideContext = Readonly<{
  remedies: RemedyBook;
  /** The VM's facts for preconditions and fix vectors, read just before deciding; required when `needsTargetContext(state)`. */
  target?: RemedyContext;
  /** Attempts on this VM, across its incidents, within the budget's window. */
  attemptsInWindow: number;
  /** Remedies less likely than this to fix the boot are not tried. */
  minPFix?: number;
}>;

/** A guardrail that ended the incident, reported before the hand-over. */
export type Guardrail = Readonly<{ rule: 'window-budget' | 'no-remedy-left'; detail: string }>;

/**
 * The next thing to do.
 * - `try`: start a new step with `remedy` (a forensic snapshot first when it is destructive,
 *   after `backoffMs`), apply it and verify it by a boot.
 * - `verify`: the step's action completed before a restart; boot to verify it.
 * - `redo`: the step was interrupted inside its idempotent action; apply it again and verify.
 * - `abandon`: the step was interrupted inside an action that is not safe to repeat; count it and move on.
 * - `hand-over`: give the incident to a human.
 * - `close`: a step ended the incident but the record was not closed (a crash came between).
 * - `done`: the incident is closed.
 */
export type HealAction =
  | Readonly<{ type: 'try'; plan: Plan; remedy: Remedy; seq: number; attempt: number; fix: readonly number[]; backoffMs: number }>
  | Readonly<{ type: 'verify'; step: StepInFlight; remedy: Remedy; fix: readonly number[] }>
  | Readonly<{ type: 'redo'; step: StepInFlight; remedy: Remedy; fix: readonly number[] }>
  | Readonly<{ type: 'abandon'; step: StepInFlight; remedy: Remedy }>
  | Readonly<{ type: 'hand-over'; reason: string; plan?: Plan; guardrail?: Guardrail }>
  | Readonly<{ type: 'close'; status: 'recovered'; fixedBy: string; mttrMs: number }>
  | Readonly<{ type: 'close'; status: 'shutdown'; reason: string }>
  | Readonly<{ type: 'done' }>;

/** True when deciding in `state` reads the VM's facts (to plan, or to rebuild a step's fix vector an old record lacks). */
export function needsTargetContext(state: IncidentState): boolean {
  return state.type === 'diagnosed' || ((state.type === 'trying' || state.type === 'verifying') && state.step.fix === undefined);
}

const factsOf = (ctx: DecideContext, state: IncidentState): RemedyContext => {
  if (ctx.target === undefined) throw new Error(`decide: incident ${state.incidentId} in state ${state.type} needs the target's context`);
  return ctx.target;
};

const remedyOf = (book: RemedyBook, id: string, where: string): Remedy => {
  const r = book.remedies.find((x) => x.id === id);
  if (r === undefined) throw healErrors.make('HEAL_UNKNOWN_REMEDY', `${where}: remedy "${id}" is not in ${book.source}`);
  return r;
};

/**
 * Chooses the next action for an incident in `state`. Never proposes a remedy whose attempts
 * in the incident are used up, or one that errored or was skipped in it.
 * @example
 * const action = decide(replay(incident, steps), { remedies, target: await target.context(), attemptsInWindow: 0 }, DEFAULT_BUDGET);
 * if (action.type === 'try') action.remedy.id; // 'more-memory'
 */
export function decide(state: IncidentState, ctx: DecideContext, budget: HealBudget): HealAction {
  switch (state.type) {
    case 'handed-over':
      return { type: 'done' };
    case 'healed':
      return state.closed ? { type: 'done' } : { type: 'close', status: 'recovered', fixedBy: state.fixedBy, mttrMs: state.mttrMs };
    case 'shut-down':
      return state.closed ? { type: 'done' } : { type: 'close', status: 'shutdown', reason: state.reason };
    case 'verifying':
    case 'trying': {
      const remedy = remedyOf(ctx.remedies, state.step.remedy, `incident ${state.incidentId} step ${state.step.seq}`);
      const fix = state.step.fix ?? fixVector(remedy, factsOf(ctx, state));
      if (state.type === 'verifying') return { type: 'verify', step: state.step, remedy, fix };
      return remedy.idempotent ? { type: 'redo', step: state.step, remedy, fix } : { type: 'abandon', step: state.step, remedy };
    }
    case 'diagnosed':
      return next(state, ctx, budget);
    default:
      return assertNever(state, 'incident state');
  }
}

/** The next step of an open incident with nothing in flight: a remedy, or the hand-over. */
function next(state: IncidentState & { type: 'diagnosed' }, ctx: DecideContext, budget: HealBudget): HealAction {
  if (state.attempts >= budget.perIncident) return { type: 'hand-over', reason: `attempt budget of ${budget.perIncident} per incident used up` };
  if (ctx.attemptsInWindow >= budget.perWindow) {
    return {
      type: 'hand-over',
      reason: `attempt budget of ${budget.perWindow} per ${budget.windowSeconds} s used up`,
      guardrail: { rule: 'window-budget', detail: `${ctx.attemptsInWindow} attempts for ${state.vm} in the last ${budget.windowSeconds} s` },
    };
  }
  const facts = factsOf(ctx, state);
  const plan = planRemedies(state.posterior, ctx.remedies, facts, { tried: state.tried, ...(ctx.minPFix !== undefined ? { minPFix: ctx.minPFix } : {}) });
  const first = plan.steps[0];
  if (first === undefined) {
    return { type: 'hand-over', reason: 'no applicable remedy left', plan, guardrail: { rule: 'no-remedy-left', detail: 'no applicable remedy is likely enough to fix the boot' } };
  }
  const remedy = remedyOf(ctx.remedies, first.remedy, `incident ${state.incidentId} plan`);
  const attempt = (state.tried[remedy.id] ?? 0) + 1;
  return { type: 'try', plan, remedy, seq: state.nextSeq, attempt, fix: fixVector(remedy, facts), backoffMs: backoffSeconds(remedy, attempt) * 1000 };
}
