import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { assertNever } from '../core/index.ts';
import { CAUSE_IDS, diagnose, type Diagnosis, type Evidence, type Model } from '../diagnose/index.ts';
import { decide, DEFAULT_BUDGET, needsTargetContext, type HealAction, type HealBudget } from './decide.ts';
import { failureSignature, isClosed, type IncidentState } from './incident-state.ts';
import { createJournal, type Journal } from './journal.ts';
import { incidentState, openIncidentOf } from './load.ts';
import type { Plan } from './planner.ts';
import { defaultRemedies, type Remedy, type RemedyBook } from './remedies.ts';
import type { HealEvent, HealResult, HealTarget, IncidentStore } from './types.ts';

// The executor runs one incident to its end with a short loop: replay the incident's
// recorded steps into its state, `decide` the next action, carry the action out through the
// HealTarget, and record what happened through the journal before the next replay. Every
// state change is written to the store before the next action, so a restart resumes
// instead of forgetting or repeating a step. Only a boot that reaches ready is a fix; a
// requested shutdown is neither a fix nor a failure; a destructive step is preceded by a
// forensic snapshot, and skipped when the snapshot fails.

export type HealerDeps = Readonly<{
  incidents: IncidentStore;
  remedies?: RemedyBook;
  model?: Model;
  /** Receives every diagnosis, plan, action and result (the composition root appends them to the ledger). */
  record?: (e: HealEvent) => void | Promise<void>;
  /** Wall clock in epoch ms (the MTTR clock); injected in tests. */
  now?: () => number;
  /** Waits for a retry's backoff; injected in tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  budget?: Partial<HealBudget>;
  newId?: () => string;
  /** Remedies less likely than this to fix the boot are not tried. */
  minPFix?: number;
}>;

export type HealInput = Readonly<{
  vm: string;
  target: HealTarget;
  /** The diagnosis of the failed boot; computed from `evidence` when absent. Unused when resuming. */
  diagnosis?: Diagnosis;
  evidence?: Evidence;
  bootId?: string;
  /** When the failure was detected (epoch ms): the start of the MTTR clock. */
  detectedAt?: number;
  /** Aborting stops between (or inside) steps and leaves the incident open for resumption. */
  signal?: AbortSignal;
}>;

/** How a carried-out action left the incident: go on (replay and decide again), or suspended. */
type Carried = 'next' | 'suspended';

/** What `heal` returns for a state: a closed incident's end, or a suspension. */
function resultOf(state: IncidentState): HealResult {
  const base = { incidentId: state.incidentId, steps: state.steps };
  if (!isClosed(state)) return { ...base, outcome: 'suspended' };
  switch (state.type) {
    case 'healed':
      return { ...base, outcome: 'recovered', mttrMs: state.mttrMs, fixedBy: state.fixedBy };
    case 'shut-down':
      return { ...base, outcome: 'shutdown' };
    case 'handed-over':
      return { ...base, outcome: 'handed-over' };
    case 'diagnosed':
    case 'trying':
    case 'verifying':
      return { ...base, outcome: 'suspended' };
    default:
      return assertNever(state, 'incident state');
  }
}

/**
 * Creates the healer. `heal` opens (or resumes) the VM's incident and runs it to recovery,
 * hand-over, a requested shutdown, or suspension by the abort signal.
 * @example
 * const healer = createHealer({ incidents: store.incidents, record: (e) => ledger.append(e) });
 * const r = await healer.heal({ vm: 'tiny', evidence, target, detectedAt: Date.now() });
 */
export function createHealer(deps: HealerDeps) {
  const book = deps.remedies ?? defaultRemedies();
  const store = deps.incidents;
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal === undefined ? {} : { signal }));
  const budget: HealBudget = { ...DEFAULT_BUDGET, ...deps.budget };
  const record = (e: HealEvent) => deps.record?.(e);

  async function heal(input: HealInput): Promise<HealResult> {
    const { vm, target, signal } = input;
    // A function, not a property read: TypeScript would otherwise narrow it after the first check.
    const aborted = () => signal?.aborted === true;
    const open = openIncidentOf(store, vm);
    const incidentId = open?.incidentId ?? deps.newId?.() ?? randomUUID();
    const journal = createJournal({ store, incidentId, now, record });
    if (open === undefined) {
      if (input.diagnosis === undefined && input.evidence === undefined) throw new Error('heal: a new incident needs a diagnosis or evidence');
      const diagnosis = input.diagnosis ?? diagnose(input.evidence!, deps.model);
      await journal.append({ type: 'opened', vm, detectedAt: input.detectedAt ?? now(), diagnosis, ...(input.bootId !== undefined ? { bootId: input.bootId } : {}) });
    } else {
      await journal.note({ type: 'incident-resumed', incidentId, vm, completedSteps: open.completedSteps });
    }
    const act = createActor({ target, journal, signal, sleep, model: deps.model });
    for (;;) {
      const state = incidentState(store, incidentId);
      if (isClosed(state)) return resultOf(state);
      // Closing a healed or shut-down incident is bookkeeping; anything else waits for a resumption.
      if (aborted() && state.type !== 'healed' && state.type !== 'shut-down') return resultOf(state);
      const facts = needsTargetContext(state) ? { target: await target.context() } : {};
      const attemptsInWindow = store.attemptsSince(vm, now() - budget.windowSeconds * 1000);
      const action = decide(state, { remedies: book, attemptsInWindow, ...facts, ...(deps.minPFix !== undefined ? { minPFix: deps.minPFix } : {}) }, budget);
      if ((await act(state, action)) === 'suspended') return resultOf(incidentState(store, incidentId));
    }
  }

  return Object.freeze({ heal });
}

type ActorOptions = Readonly<{ target: HealTarget; journal: Journal; signal: AbortSignal | undefined; sleep: (ms: number, signal?: AbortSignal) => Promise<void>; model: Model | undefined }>;

/** Carries out actions on one target, recording each change through the journal; returns `act`. */
function createActor(o: ActorOptions) {
  const { target, journal, signal, sleep } = o;
  const aborted = () => signal?.aborted === true;
  const message = (e: unknown) => (e as Error).message;
  const notePlan = (plan: Plan) => journal.note({ type: 'plan', incidentId: journal.incidentId, steps: plan.steps, expectedSeconds: plan.expectedSeconds, pRecover: plan.pRecover });

  /** Boots to verify a step and records its result. */
  const verify = async (seq: number, remedy: Remedy, fix: readonly number[], signature: string): Promise<Carried> => {
    let boot;
    try {
      boot = await target.bootAndWait(signal);
    } catch (e) {
      if (aborted()) return 'suspended';
      await journal.append({ type: 'boot-failed', seq, remedy: remedy.id, error: message(e) });
      return 'next';
    }
    // The same failure again: the remedy did not help (replay lowers the causes it fixes).
    // A different failure (the boot got further, or broke elsewhere: a second fault, or a
    // side effect) is new evidence, diagnosed afresh.
    const d = boot.status !== 'ready' && boot.status !== 'shutdown' && boot.evidence !== undefined ? diagnose(boot.evidence, o.model) : undefined;
    const rediagnosis = d !== undefined && failureSignature(d) !== signature ? { rediagnosis: d } : {};
    await journal.append({ type: 'verified', seq, remedy: remedy.id, fix, boot, ...rediagnosis });
    return 'next';
  };

  /** Applies a step's action and verifies it. */
  const applyAndVerify = async (seq: number, remedy: Remedy, fix: readonly number[], attempt: number, signature: string): Promise<Carried> => {
    try {
      await target.apply(remedy, { incidentId: journal.incidentId, seq, attempt });
    } catch (e) {
      if (aborted()) return 'suspended';
      await journal.append({ type: 'action-failed', seq, remedy: remedy.id, fix, error: message(e) });
      return 'next';
    }
    await journal.append({ type: 'applied', seq });
    if (aborted()) return 'suspended';
    return verify(seq, remedy, fix, signature);
  };

  return async function act(state: IncidentState, a: HealAction): Promise<Carried> {
    switch (a.type) {
      case 'done':
        return 'next';
      case 'close':
        await journal.append(a.status === 'recovered' ? { type: 'closed', status: 'recovered', fixedBy: a.fixedBy, mttrMs: a.mttrMs } : { type: 'closed', status: 'shutdown', reason: a.reason });
        return 'next';
      case 'hand-over': {
        if (a.plan !== undefined) await notePlan(a.plan);
        if (a.guardrail !== undefined) await journal.note({ type: 'guardrail', incidentId: state.incidentId, ...a.guardrail });
        await journal.note({ type: 'hand-over', incidentId: state.incidentId, reason: a.reason });
        const posterior = CAUSE_IDS.map((cause, i) => ({ cause, probability: state.posterior[i]! })).sort((x, y) => y.probability - x.probability);
        await target.handOver({ incidentId: state.incidentId, vm: state.vm, reason: a.reason, diagnosis: state.diagnosis, posterior, steps: [...state.steps], forensicSnapshots: [...state.forensics] });
        await journal.append({ type: 'closed', status: 'handed-over', reason: a.reason });
        return 'next';
      }
      case 'abandon':
        await journal.append({ type: 'interrupted', seq: a.step.seq, remedy: a.remedy.id });
        return 'next';
      case 'verify':
        return verify(a.step.seq, a.remedy, a.fix, state.signature);
      case 'redo':
        await journal.append({ type: 'reapplying', seq: a.step.seq, remedy: a.remedy, attempt: a.step.attempt });
        return applyAndVerify(a.step.seq, a.remedy, a.fix, a.step.attempt, state.signature);
      case 'try':
        return tryRemedy(state, a);
      default:
        return assertNever(a, 'heal action');
    }
  };

  /** A new step: forensic snapshot when destructive, backoff, apply, verify. */
  async function tryRemedy(state: IncidentState, a: HealAction & { type: 'try' }): Promise<Carried> {
    const { remedy, seq, attempt, fix } = a;
    await notePlan(a.plan);
    let forensic: string | undefined;
    if (remedy.destructive) {
      try {
        forensic = await target.snapshotForForensics({ incidentId: state.incidentId, seq });
      } catch (e) {
        if (aborted()) return 'suspended';
        await journal.append({ type: 'skipped', seq, remedy: remedy.id, fix, attempt, error: message(e) });
        return 'next';
      }
      await journal.note({ type: 'forensic-snapshot', incidentId: state.incidentId, seq, ref: forensic });
    }
    if (a.backoffMs > 0) {
      try {
        await sleep(a.backoffMs, signal);
      } catch {
        return 'suspended';
      }
    }
    await journal.append({ type: 'started', seq, remedy, attempt, fix, ...(forensic !== undefined ? { forensic } : {}) });
    return applyAndVerify(seq, remedy, fix, attempt, state.signature);
  }
}
