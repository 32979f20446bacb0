import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { CAUSE_IDS, diagnose, type Diagnosis, type Evidence, type Model } from '../diagnose/index.ts';
import { healErrors } from './errors.ts';
import { afterFailure, planRemedies, posteriorOf, type Tried } from './planner.ts';
import { backoffSeconds, defaultRemedies, fixVector, type Remedy, type RemedyBook } from './remedies.ts';
import type { BootResult, HealEvent, HealResult, HealTarget, IncidentStore, StepView } from './types.ts';

// The executor runs one incident to its end: plan, guard, act, verify by booting, learn
// from a failure, plan again. Guardrails (docs/heal.md): a forensic snapshot before any
// destructive step; an attempt budget per incident and per time window (vSphere HA's VM
// monitoring stops after 3 resets within its window); the last step is a hand-over; a
// requested shutdown is neither a fix nor a failure; only a boot that reaches ready is a
// fix. Every state change is written to the store before the next action, so a restart
// resumes instead of forgetting or repeating a step.

/** Attempt limits. */
export type HealBudget = Readonly<{ perIncident: number; perWindow: number; windowSeconds: number }>;
export const DEFAULT_BUDGET: HealBudget = Object.freeze({ perIncident: 6, perWindow: 3, windowSeconds: 3600 });

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

type StepDetail = { fix?: number[]; attempt?: number; forensic?: string; error?: string; status?: string; reason?: string; bootId?: string; rediagnosis?: Diagnosis };

/**
 * What a failure looked like: its message classes, or where it stopped when none. Two
 * boots with the same signature failed the same way.
 */
export function failureSignature(d: Diagnosis): string {
  return (d.explanation?.evidence ?? [])
    .map((e) => e.evidence)
    .filter((e) => /^(finding:|stderr:|phase=|status=)/.test(e))
    .sort()
    .join(' ');
}
const detailOf = (s: StepView): StepDetail => (typeof s.detail === 'object' && s.detail !== null ? (s.detail as StepDetail) : {});

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
  const emit = async (e: HealEvent) => {
    await deps.record?.(e);
  };
  const remedyById = (id: string, incidentId: string, seq: number): Remedy => {
    const r = book.remedies.find((x) => x.id === id);
    if (r === undefined) throw healErrors.make('HEAL_UNKNOWN_REMEDY', `incident ${incidentId} step ${seq}: remedy "${id}" is not in ${book.source}`);
    return r;
  };

  async function heal(input: HealInput): Promise<HealResult> {
    const { vm, target, signal } = input;
    // A function, not a property read: TypeScript would otherwise narrow it after the first check.
    const aborted = () => signal?.aborted === true;
    let inc = store.findOpen(vm);
    if (inc === undefined) {
      if (input.diagnosis === undefined && input.evidence === undefined) throw new Error('heal: a new incident needs a diagnosis or evidence');
      const diagnosis = input.diagnosis ?? diagnose(input.evidence!, deps.model);
      const id = deps.newId?.() ?? randomUUID();
      const detectedAt = input.detectedAt ?? now();
      store.open({ id, vm, detectedAt, openedAt: now(), diagnosis, ...(input.bootId !== undefined ? { bootId: input.bootId } : {}) });
      await emit({ type: 'incident-opened', incidentId: id, vm, detectedAt, ...(input.bootId !== undefined ? { bootId: input.bootId } : {}) });
      await emit({ type: 'diagnosis', incidentId: id, causes: diagnosis.causes, summary: diagnosis.explanation.summary });
      inc = store.findOpen(vm)!;
    } else {
      await emit({ type: 'incident-resumed', incidentId: inc.id, vm, completedSteps: store.steps(inc.id).filter((s) => s.state === 'done').length });
    }
    const incidentId = inc.id;
    const detectedAt = inc.detectedAt;
    // Stored as JSON by an earlier process; tolerate a record without causes (uniform posterior).
    const stored = inc.diagnosis as Partial<Diagnosis> | null;
    const diagnosis: Diagnosis = { causes: Array.isArray(stored?.causes) ? stored.causes : [], explanation: stored?.explanation ?? { summary: '', evidence: [], versus: { top: 'transient', runnerUp: 'transient', priorBits: 0, items: [], posteriorBits: 0 } } };
    const forensics: string[] = [];

    // Replay what is already known: each failed step lowered the causes it should have fixed.
    let post = posteriorOf(diagnosis.causes);
    let signature = failureSignature(diagnosis);
    for (const s of store.steps(incidentId)) {
      const d = detailOf(s);
      if (d.forensic !== undefined) forensics.push(d.forensic);
      if (s.state !== 'done' || s.outcome !== 'failed') continue;
      if (d.rediagnosis !== undefined) {
        post = posteriorOf(d.rediagnosis.causes);
        signature = failureSignature(d.rediagnosis);
      } else if (d.fix !== undefined) post = afterFailure(post, d.fix);
    }

    const result = (outcome: HealResult['outcome'], extra: { mttrMs?: number; fixedBy?: string } = {}): HealResult => ({
      incidentId,
      outcome,
      ...extra,
      steps: store.steps(incidentId).map((s) => ({ seq: s.seq, remedy: s.remedy, outcome: s.outcome ?? s.state })),
    });

    /** Boots to verify a step and records its result; returns the incident's end, or undefined to go on. */
    const verify = async (remedy: Remedy, seq: number, fix: number[]): Promise<HealResult | undefined> => {
      let boot: BootResult;
      try {
        boot = await target.bootAndWait(signal);
      } catch (e) {
        if (aborted()) return result('suspended');
        store.finishStep(incidentId, seq, 'error', now(), { error: (e as Error).message });
        await emit({ type: 'result', incidentId, seq, remedy: remedy.id, status: 'error', fixed: false, reason: (e as Error).message });
        return undefined;
      }
      const info = { status: boot.status, ...(boot.reason !== undefined ? { reason: boot.reason } : {}), ...(boot.bootId !== undefined ? { bootId: boot.bootId } : {}) };
      if (boot.status === 'ready') {
        const t = now();
        store.finishStep(incidentId, seq, 'fixed', t, { fix, ...info });
        const mttrMs = t - detectedAt;
        store.close(incidentId, { status: 'recovered', closedAt: t, mttrMs, fixedBy: remedy.id, reason: `ready after ${remedy.id}` });
        await emit({ type: 'result', incidentId, seq, remedy: remedy.id, status: 'ready', fixed: true, ...(boot.bootId !== undefined ? { bootId: boot.bootId } : {}) });
        await emit({ type: 'incident-closed', incidentId, status: 'recovered', mttrMs, fixedBy: remedy.id });
        return result('recovered', { mttrMs, fixedBy: remedy.id });
      }
      if (boot.status === 'shutdown') {
        // Asked for by the operator or the guest: not a failure, and not a fix either.
        store.finishStep(incidentId, seq, 'shutdown', now(), { fix, ...info });
        store.close(incidentId, { status: 'shutdown', closedAt: now(), reason: boot.reason ?? 'shutdown requested' });
        await emit({ type: 'result', incidentId, seq, remedy: remedy.id, status: 'shutdown', fixed: false, ...(boot.reason !== undefined ? { reason: boot.reason } : {}) });
        await emit({ type: 'incident-closed', incidentId, status: 'shutdown' });
        return result('shutdown');
      }
      // The same failure again: the remedy did not help, so Bayes lowers the causes it
      // fixes. A different failure (the boot got further, or broke elsewhere: a second
      // fault, or a side effect) is new evidence, diagnosed afresh.
      let rediagnosis: Diagnosis | undefined;
      if (boot.evidence !== undefined) {
        const d = diagnose(boot.evidence, deps.model);
        if (failureSignature(d) !== signature) rediagnosis = d;
      }
      store.finishStep(incidentId, seq, 'failed', now(), { fix, ...info, ...(boot.evidence !== undefined ? { evidence: boot.evidence } : {}), ...(rediagnosis !== undefined ? { rediagnosis } : {}) });
      await emit({ type: 'result', incidentId, seq, remedy: remedy.id, status: boot.status, fixed: false, ...(boot.reason !== undefined ? { reason: boot.reason } : {}) });
      if (rediagnosis !== undefined) {
        post = posteriorOf(rediagnosis.causes);
        signature = failureSignature(rediagnosis);
        await emit({ type: 'diagnosis', incidentId, causes: rediagnosis.causes, summary: `after ${remedy.id} the boot failed differently: ${rediagnosis.explanation.summary}` });
      } else post = afterFailure(post, fix);
      return undefined;
    };

    /** Applies (unless already applied) and verifies one step. */
    const runStep = async (remedy: Remedy, seq: number, fix: number[], applied: boolean, attempt: number): Promise<HealResult | undefined> => {
      if (!applied) {
        await emit({ type: 'action', incidentId, seq, remedy: remedy.id, action: remedy.action, attempt });
        try {
          await target.apply(remedy, { incidentId, seq, attempt });
        } catch (e) {
          if (aborted()) return result('suspended');
          store.finishStep(incidentId, seq, 'error', now(), { fix, error: (e as Error).message });
          await emit({ type: 'guardrail', incidentId, rule: 'action-error', detail: `${remedy.id}: ${(e as Error).message}` });
          return undefined;
        }
        store.markApplied(incidentId, seq);
      }
      if (aborted()) return result('suspended');
      return verify(remedy, seq, fix);
    };

    const handOver = async (reason: string): Promise<HealResult> => {
      const steps = store.steps(incidentId).map((s) => ({ seq: s.seq, remedy: s.remedy, outcome: s.outcome ?? s.state }));
      const ranked = CAUSE_IDS.map((cause, i) => ({ cause, probability: post[i]! })).sort((a, b) => b.probability - a.probability);
      await emit({ type: 'hand-over', incidentId, reason });
      await target.handOver({ incidentId, vm, reason, diagnosis, posterior: ranked, steps, forensicSnapshots: forensics });
      store.close(incidentId, { status: 'handed-over', closedAt: now(), reason });
      await emit({ type: 'incident-closed', incidentId, status: 'handed-over' });
      return result('handed-over');
    };

    // A step that a restart interrupted: verify it if its action completed, redo it only
    // when the action is idempotent, else count it as an attempt and move on.
    const last = store.steps(incidentId).at(-1);
    if (last !== undefined && last.state !== 'done') {
      const remedy = remedyById(last.remedy, incidentId, last.seq);
      const d = detailOf(last);
      const fix = d.fix ?? fixVector(remedy, await target.context());
      if (last.state === 'applied' || remedy.idempotent) {
        const end = await runStep(remedy, last.seq, fix, last.state === 'applied', d.attempt ?? 1);
        if (end !== undefined) return end;
      } else {
        store.finishStep(incidentId, last.seq, 'interrupted', now());
        await emit({ type: 'guardrail', incidentId, rule: 'interrupted-step', detail: `${remedy.id} was interrupted before its action completed and is not safe to repeat` });
      }
    }

    for (;;) {
      if (aborted()) return result('suspended');
      const steps = store.steps(incidentId);
      const attempts = steps.filter((s) => s.outcome !== 'skipped').length;
      if (attempts >= budget.perIncident) return handOver(`attempt budget of ${budget.perIncident} per incident used up`);
      const inWindow = store.attemptsSince(vm, now() - budget.windowSeconds * 1000);
      if (inWindow >= budget.perWindow) {
        await emit({ type: 'guardrail', incidentId, rule: 'window-budget', detail: `${inWindow} attempts for ${vm} in the last ${budget.windowSeconds} s` });
        return handOver(`attempt budget of ${budget.perWindow} per ${budget.windowSeconds} s used up`);
      }
      const tried: Record<string, number> = {};
      for (const s of steps) {
        // A remedy that errored or could not be guarded is not offered again in this incident.
        tried[s.remedy] = s.outcome === 'error' || s.outcome === 'skipped' ? Infinity : (tried[s.remedy] ?? 0) + 1;
      }
      const ctx = await target.context();
      const plan = planRemedies(post, book, ctx, { tried: tried as Tried, ...(deps.minPFix !== undefined ? { minPFix: deps.minPFix } : {}) });
      await emit({ type: 'plan', incidentId, steps: plan.steps, expectedSeconds: plan.expectedSeconds, pRecover: plan.pRecover });
      const next = plan.steps[0];
      if (next === undefined) {
        await emit({ type: 'guardrail', incidentId, rule: 'no-remedy-left', detail: 'no applicable remedy is likely enough to fix the boot' });
        return handOver('no applicable remedy left');
      }
      const remedy = remedyById(next.remedy, incidentId, 0);
      const seq = (steps.at(-1)?.seq ?? 0) + 1;
      const attempt = (tried[remedy.id] ?? 0) + 1;
      const fix = fixVector(remedy, ctx);
      let forensic: string | undefined;
      if (remedy.destructive) {
        try {
          forensic = await target.snapshotForForensics({ incidentId, seq });
        } catch (e) {
          if (aborted()) return result('suspended');
          store.startStep({ incidentId, seq, remedy: remedy.id, startedAt: now(), detail: { fix, attempt, error: (e as Error).message } });
          store.finishStep(incidentId, seq, 'skipped', now());
          await emit({ type: 'guardrail', incidentId, rule: 'forensic-snapshot-failed', detail: `${remedy.id} skipped: ${(e as Error).message}` });
          continue;
        }
        forensics.push(forensic);
        await emit({ type: 'forensic-snapshot', incidentId, seq, ref: forensic });
      }
      const backoff = backoffSeconds(remedy, attempt);
      if (backoff > 0) {
        try {
          await sleep(backoff * 1000, signal);
        } catch {
          return result('suspended');
        }
      }
      store.startStep({ incidentId, seq, remedy: remedy.id, startedAt: now(), detail: { fix, attempt, ...(forensic !== undefined ? { forensic } : {}) } });
      const end = await runStep(remedy, seq, fix, false, attempt);
      if (end !== undefined) return end;
    }
  }

  return Object.freeze({ heal });
}
