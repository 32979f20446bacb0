// boot/: the phase state machine, ready signals, stall budgets learned from good boots,
// boot-loop counting. Pure logic: no processes, no timers, no files.
export { BOOT_PHASES, phaseRank } from '../core/index.ts';
export type { BootPhase } from '../core/index.ts';
export { createPhaseTracker } from './phase-tracker.ts';
export type { PhaseTracker, TrackerEvent, Verdict, VerdictCause, BootStatus, TrackerOptions } from './phase-tracker.ts';
export { learnStallBudget, budgetFor, percentile, phaseDurations } from './stall-budget.ts';
export type { StallBudget, StallPolicy, Timeline } from './stall-budget.ts';
export { createBootLoopCounter } from './boot-loop.ts';
export { readyMatcher } from './ready.ts';
