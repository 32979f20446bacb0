// heal/: remedies (data), the decision-theoretic planner, the executor with guardrails.
// It guesses no causes itself: it takes diagnose/'s posterior and acts through a HealTarget.
export { compileRemedies, loadRemedies, defaultRemedies, isApplicable, costSeconds, backoffSeconds, fixVector, factHolds, changedFields } from './remedies.ts';
export type { Remedy, RemedyAction, RemedyBook, RemedyContext } from './remedies.ts';
export { planRemedies, evaluateOrder, posteriorOf, afterFailure, pFixOf, candidates } from './planner.ts';
export type { Plan, PlanStep, Posterior, Tried } from './planner.ts';
export { createHealer } from './executor.ts';
export type { HealerDeps, HealInput } from './executor.ts';
export { decide, needsTargetContext, DEFAULT_BUDGET } from './decide.ts';
export type { DecideContext, Guardrail, HealAction, HealBudget } from './decide.ts';
export { replay, parseIncident, parseSteps, failureSignature, isClosed } from './incident-state.ts';
export type { IncidentState, IncidentFacts, IncidentRecord, StepRecord, StepInFlight, StepSummary, StepOutcome, ClosedStatus } from './incident-state.ts';
export { incidentState, openIncidentOf } from './load.ts';

export type { BootResult, HandOverReport, HealTarget, HealEvent, HealResult, IncidentStore, IncidentView, StepView } from './types.ts';
export { healErrors } from './errors.ts';
