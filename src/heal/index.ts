// heal/: remedies (data), the decision-theoretic planner, the executor with guardrails.
// It guesses no causes itself: it takes diagnose/'s posterior and acts through a HealTarget.
export { compileRemedies, loadRemedies, defaultRemedies, isApplicable, costSeconds, backoffSeconds, fixVector, factHolds, changedFields } from './remedies.ts';
export type { Remedy, RemedyAction, RemedyBook, RemedyContext } from './remedies.ts';
export { planRemedies, evaluateOrder, posteriorOf, afterFailure, pFixOf, candidates } from './planner.ts';
export type { Plan, PlanStep, Posterior, Tried } from './planner.ts';
export { createHealer, failureSignature, DEFAULT_BUDGET } from './executor.ts';
export type { HealBudget, HealerDeps, HealInput } from './executor.ts';
export type { BootResult, HandOverReport, HealTarget, HealEvent, HealResult, IncidentStore, IncidentView, StepView } from './types.ts';
export { healErrors } from './errors.ts';
