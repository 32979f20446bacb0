import type { Diagnosis, Evidence } from '../diagnose/index.ts';
import type { Plan } from './planner.ts';
import type { ClosedStatus, StepOutcome } from './incident-state.ts';
import type { Remedy, RemedyContext } from './remedies.ts';

// The ports of heal/: the VM it acts on (HealTarget, implemented by the composition root
// with real QEMU, and by a scripted fake in tests), the store it keeps incidents in, and
// the events it reports (the composition root appends them to the ledger).

/** How the verification boot after a remedy ended. */
export type BootResult = Readonly<{
  /** 'shutdown': the operator or the guest asked for it; neither a fix nor a failure. */
  status: 'ready' | 'failed' | 'stalled' | 'shutdown';
  bootId?: string;
  reason?: string;
  /**
   * When the boot's verdict was decided (epoch ms). For the boot that proves a repair it is
   * the end of the MTTR clock: the VM was back then, whatever the target did afterwards
   * (a drill stopping its verification VM, for one).
   */
  verdictAt?: number;
  /** Evidence of a failed boot, when the target has it (kept in the step's record). */
  evidence?: Evidence;
}>;

/** What the incident knew when it gave up: the report a human takes over. */
export type HandOverReport = Readonly<{
  incidentId: string;
  vm: string;
  reason: string;
  diagnosis: Diagnosis;
  /** The posterior after every failed remedy, ranked. */
  posterior: { cause: string; probability: number }[];
  steps: { seq: number; remedy: string; outcome: string }[];
  forensicSnapshots: string[];
}>;

/** The VM healing acts on; the composition root implements it with real QEMU. */
export type HealTarget = Readonly<{
  /** Facts for preconditions, read again before every plan (the previous step may have changed them). */
  context(): Promise<RemedyContext>;
  /** Carries out a remedy's action (`remedy.action`); must not boot the VM. */
  apply(remedy: Remedy, step: { incidentId: string; seq: number; attempt: number }): Promise<void>;
  /** Boots the VM once and waits for the verdict. */
  bootAndWait(signal?: AbortSignal): Promise<BootResult>;
  /** Keeps a copy of the failed disk for forensics and returns its reference. */
  snapshotForForensics(step: { incidentId: string; seq: number }): Promise<string>;
  /** Hands the incident to a human (notify, write the report). */
  handOver(report: HandOverReport): Promise<void>;
}>;

/** Everything heal/ reports, in order; each is one ledger entry. */
export type HealEvent =
  | { type: 'incident-opened'; incidentId: string; vm: string; bootId?: string; detectedAt: number }
  | { type: 'incident-resumed'; incidentId: string; vm: string; completedSteps: number }
  | { type: 'diagnosis'; incidentId: string; causes: Diagnosis['causes']; summary: string }
  | { type: 'plan'; incidentId: string; steps: Plan['steps']; expectedSeconds: number; pRecover: number }
  | { type: 'guardrail'; incidentId: string; rule: 'incident-budget' | 'window-budget' | 'forensic-snapshot-failed' | 'no-remedy-left' | 'interrupted-step' | 'action-error'; detail: string }
  | { type: 'forensic-snapshot'; incidentId: string; seq: number; ref: string }
  | { type: 'action'; incidentId: string; seq: number; remedy: string; action: Remedy['action']; attempt: number }
  | { type: 'result'; incidentId: string; seq: number; remedy: string; status: BootResult['status'] | 'error'; fixed: boolean; bootId?: string; reason?: string }
  | { type: 'hand-over'; incidentId: string; reason: string }
  | { type: 'incident-closed'; incidentId: string; status: 'recovered' | 'handed-over' | 'shutdown'; mttrMs?: number; fixedBy?: string };

/** How an incident ended (or paused). */
export type HealResult = Readonly<{
  incidentId: string;
  /** 'suspended': stopped by the abort signal; the incident stays open and resumes next time. */
  outcome: 'recovered' | 'handed-over' | 'shutdown' | 'suspended';
  /** Detection to ready, for a recovered incident. */
  mttrMs?: number;
  fixedBy?: string;
  steps: readonly { seq: number; remedy: string; outcome: string }[];
}>;

/** An incident as heal/ reads it back (validated by incident-state.ts before use). */
export type IncidentView = {
  id: string;
  vm: string;
  status: string;
  bootId?: string;
  detectedAt: number;
  diagnosis: unknown;
  closedAt?: number;
  mttrMs?: number;
  fixedBy?: string;
  reason?: string;
};

/** A step as heal/ reads it back (validated by incident-state.ts before use). */
export type StepView = { seq: number; remedy: string; state: string; outcome?: string; startedAt?: number; finishedAt?: number; detail?: unknown };

/** Incident persistence; store/incidents.ts (`incidentRepo`) implements it over SQLite. */
export type IncidentStore = Readonly<{
  open(i: { id: string; vm: string; detectedAt: number; openedAt: number; bootId?: string; diagnosis: unknown }): void;
  get(id: string): IncidentView | undefined;
  /** The VM's incident whose record is open, if any: a candidate; its replayed state says where it stands. */
  findOpen(vm: string): IncidentView | undefined;
  steps(incidentId: string): StepView[];
  startStep(s: { incidentId: string; seq: number; remedy: string; startedAt: number; detail?: unknown }): void;
  markApplied(incidentId: string, seq: number): void;
  finishStep(incidentId: string, seq: number, outcome: StepOutcome, finishedAt: number, detail?: unknown): void;
  close(id: string, c: { status: ClosedStatus; closedAt: number; mttrMs?: number; fixedBy?: string; reason: string }): void;
  attemptsSince(vm: string, sinceMs: number): number;
}>;
