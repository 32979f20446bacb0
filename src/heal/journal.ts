import { assertNever } from '../core/index.ts';
import type { Diagnosis } from '../diagnose/index.ts';
import type { Remedy } from './remedies.ts';
import type { BootResult, HealEvent, IncidentStore } from './types.ts';

// The one way an incident changes: `append` writes an entry to the store and reports the
// ledger events it implies, in that order, so the two never drift apart and a restart
// finds in the store everything the ledger says happened. Events that change no state
// (a plan, a guardrail, the hand-over notice) go through `note`.

/** A change to an incident or one of its steps. */
export type JournalEntry =
  | { type: 'opened'; vm: string; detectedAt: number; bootId?: string; diagnosis: Diagnosis }
  | { type: 'started'; seq: number; remedy: Remedy; attempt: number; fix: readonly number[]; forensic?: string }
  /** An idempotent step interrupted inside its action, applied again (the step is already recorded). */
  | { type: 'reapplying'; seq: number; remedy: Remedy; attempt: number }
  | { type: 'applied'; seq: number }
  | { type: 'action-failed'; seq: number; remedy: string; fix: readonly number[]; error: string }
  | { type: 'boot-failed'; seq: number; remedy: string; error: string }
  | { type: 'verified'; seq: number; remedy: string; fix: readonly number[]; boot: BootResult; rediagnosis?: Diagnosis }
  | { type: 'interrupted'; seq: number; remedy: string }
  | { type: 'skipped'; seq: number; remedy: string; fix: readonly number[]; attempt: number; error: string }
  | { type: 'closed'; status: 'recovered'; fixedBy: string; mttrMs: number }
  | { type: 'closed'; status: 'shutdown' | 'handed-over'; reason: string };

export type Journal = Readonly<{
  incidentId: string;
  append(entry: JournalEntry): Promise<void>;
  note(event: HealEvent): Promise<void>;
}>;

const OUTCOME_OF: Record<BootResult['status'], 'fixed' | 'shutdown' | 'failed'> = { ready: 'fixed', shutdown: 'shutdown', failed: 'failed', stalled: 'failed' };

/** The journal of one incident over its store and the ledger's record function. */
export function createJournal(o: { store: IncidentStore; incidentId: string; now: () => number; record: (e: HealEvent) => void | Promise<void> }): Journal {
  const { store, incidentId, now } = o;
  const note = async (e: HealEvent) => {
    await o.record(e);
  };
  async function append(e: JournalEntry): Promise<void> {
    switch (e.type) {
      case 'opened': {
        const bootId = e.bootId !== undefined ? { bootId: e.bootId } : {};
        store.open({ id: incidentId, vm: e.vm, detectedAt: e.detectedAt, openedAt: now(), diagnosis: e.diagnosis, ...bootId });
        await note({ type: 'incident-opened', incidentId, vm: e.vm, detectedAt: e.detectedAt, ...bootId });
        return note({ type: 'diagnosis', incidentId, causes: e.diagnosis.causes, summary: e.diagnosis.explanation.summary });
      }
      case 'started':
        store.startStep({ incidentId, seq: e.seq, remedy: e.remedy.id, startedAt: now(), detail: { fix: e.fix, attempt: e.attempt, ...(e.forensic !== undefined ? { forensic: e.forensic } : {}) } });
        return note({ type: 'action', incidentId, seq: e.seq, remedy: e.remedy.id, action: e.remedy.action, attempt: e.attempt });
      case 'reapplying':
        return note({ type: 'action', incidentId, seq: e.seq, remedy: e.remedy.id, action: e.remedy.action, attempt: e.attempt });
      case 'applied':
        return store.markApplied(incidentId, e.seq);
      case 'action-failed':
        store.finishStep(incidentId, e.seq, 'error', now(), { fix: e.fix, error: e.error });
        return note({ type: 'guardrail', incidentId, rule: 'action-error', detail: `${e.remedy}: ${e.error}` });
      case 'boot-failed':
        store.finishStep(incidentId, e.seq, 'error', now(), { error: e.error });
        return note({ type: 'result', incidentId, seq: e.seq, remedy: e.remedy, status: 'error', fixed: false, reason: e.error });
      case 'verified':
        return verified(e);
      case 'interrupted':
        store.finishStep(incidentId, e.seq, 'interrupted', now());
        return note({ type: 'guardrail', incidentId, rule: 'interrupted-step', detail: `${e.remedy} was interrupted before its action completed and is not safe to repeat` });
      case 'skipped':
        store.startStep({ incidentId, seq: e.seq, remedy: e.remedy, startedAt: now(), detail: { fix: e.fix, attempt: e.attempt, error: e.error } });
        store.finishStep(incidentId, e.seq, 'skipped', now());
        return note({ type: 'guardrail', incidentId, rule: 'forensic-snapshot-failed', detail: `${e.remedy} skipped: ${e.error}` });
      case 'closed':
        if (e.status === 'recovered') {
          store.close(incidentId, { status: 'recovered', closedAt: now(), mttrMs: e.mttrMs, fixedBy: e.fixedBy, reason: `ready after ${e.fixedBy}` });
          return note({ type: 'incident-closed', incidentId, status: 'recovered', mttrMs: e.mttrMs, fixedBy: e.fixedBy });
        }
        store.close(incidentId, { status: e.status, closedAt: now(), reason: e.reason });
        return note({ type: 'incident-closed', incidentId, status: e.status });
      default:
        return assertNever(e, 'journal entry');
    }
  }
  async function verified(e: JournalEntry & { type: 'verified' }): Promise<void> {
    const { boot } = e;
    const bootId = boot.bootId !== undefined ? { bootId: boot.bootId } : {};
    const reason = boot.reason !== undefined ? { reason: boot.reason } : {};
    const verdictAt = boot.verdictAt !== undefined ? { verdictAt: boot.verdictAt } : {};
    const outcome = OUTCOME_OF[boot.status];
    const failed = outcome === 'failed' ? { ...(boot.evidence !== undefined ? { evidence: boot.evidence } : {}), ...(e.rediagnosis !== undefined ? { rediagnosis: e.rediagnosis } : {}) } : {};
    store.finishStep(incidentId, e.seq, outcome, now(), { fix: e.fix, status: boot.status, ...reason, ...bootId, ...verdictAt, ...failed });
    // The result names the boot that fixed it, or why it did not.
    const told = outcome === 'fixed' ? bootId : reason;
    await note({ type: 'result', incidentId, seq: e.seq, remedy: e.remedy, status: boot.status, fixed: outcome === 'fixed', ...told });
    if (e.rediagnosis !== undefined) {
      await note({ type: 'diagnosis', incidentId, causes: e.rediagnosis.causes, summary: `after ${e.remedy} the boot failed differently: ${e.rediagnosis.explanation.summary}` });
    }
  }
  return Object.freeze({ incidentId, append, note });
}
