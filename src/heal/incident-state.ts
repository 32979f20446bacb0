import { z } from 'zod';
import { CAUSE_IDS, type Diagnosis } from '../diagnose/index.ts';
import { healErrors } from './errors.ts';
import { afterFailure, posteriorOf } from './planner.ts';

// An incident's state is a fold over what the store recorded: the incident's opening (its
// diagnosis), its steps in order, and its closing. `replay` is the only place that knows
// what an incident's steps mean, so the executor, a resumed process, and anything that
// shows an incident later (a service, a dashboard, a fleet) agree on it.

/** How a finished step ended. */
export const STEP_OUTCOMES = ['fixed', 'failed', 'shutdown', 'error', 'interrupted', 'skipped'] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];
/** How a closed incident ended. */
export const CLOSED_STATUSES = ['recovered', 'handed-over', 'shutdown'] as const;
export type ClosedStatus = (typeof CLOSED_STATUSES)[number];

const Cause = z.enum(CAUSE_IDS);
const RankedCause = z.object({ cause: Cause, probability: z.number().min(0).max(1) });
const Effect = z.object({ cause: Cause, bits: z.number() });
const ExplanationSchema = z.object({
  summary: z.string(),
  evidence: z.array(z.object({ evidence: z.string(), detail: z.string(), forTop: z.number(), raised: z.array(Effect), lowered: z.array(Effect) })),
  versus: z.object({ top: Cause, runnerUp: Cause, priorBits: z.number(), items: z.array(z.object({ evidence: z.string(), bits: z.number() })), posteriorBits: z.number() }),
});
const EMPTY_EXPLANATION: Diagnosis['explanation'] = { summary: '', evidence: [], versus: { top: 'transient', runnerUp: 'transient', priorBits: 0, items: [], posteriorBits: 0 } };
const DiagnosisSchema = z.object({ causes: z.array(RankedCause), explanation: ExplanationSchema });
/** An opening diagnosis written by an earlier bootmedic may lack causes (uniform posterior) or an explanation. */
const StoredDiagnosisSchema = z.object({ causes: z.array(RankedCause).default([]), explanation: ExplanationSchema.default(EMPTY_EXPLANATION) });

/** What a step's `detail` may hold; the fields are written by the journal (journal.ts). */
const StepDetailSchema = z.object({
  /** P(this remedy fixes the boot | cause), CAUSE_IDS order, as it was when the step started. */
  fix: z.array(z.number().min(0).max(1)).length(CAUSE_IDS.length).optional(),
  attempt: z.number().int().positive().optional(),
  forensic: z.string().optional(),
  error: z.string().optional(),
  status: z.string().optional(),
  reason: z.string().optional(),
  bootId: z.string().optional(),
  /** When the verification boot's verdict was decided (epoch ms): a fix's MTTR ends there. */
  verdictAt: z.number().optional(),
  evidence: z.unknown().optional(),
  /** The diagnosis of a verification boot that failed differently from the incident's failure. */
  rediagnosis: DiagnosisSchema.optional(),
});

const StepSchema = z
  .object({
    seq: z.number().int().positive(),
    remedy: z.string().min(1),
    state: z.enum(['started', 'applied', 'done']),
    outcome: z.enum(STEP_OUTCOMES).optional(),
    startedAt: z.number().optional(),
    finishedAt: z.number().optional(),
    detail: StepDetailSchema.nullish().transform((d) => d ?? {}),
  })
  .refine((s) => (s.state === 'done') === (s.outcome !== undefined), { message: "a step has an outcome exactly when its state is 'done'" });

const IncidentSchema = z.object({
  id: z.string().min(1),
  vm: z.string().min(1),
  status: z.enum(['open', ...CLOSED_STATUSES]),
  detectedAt: z.number(),
  diagnosis: StoredDiagnosisSchema,
  closedAt: z.number().optional(),
  mttrMs: z.number().optional(),
  fixedBy: z.string().optional(),
  reason: z.string().optional(),
});

/** A recorded step, validated. */
export type StepRecord = z.output<typeof StepSchema>;
/** A recorded incident (its opening and, once closed, its closing), validated. */
export type IncidentRecord = z.output<typeof IncidentSchema>;

const issueText = (e: z.ZodError) => {
  const i = e.issues[0]!;
  return `${i.path.join('.') || '(top level)'}: ${i.message}`;
};

/** Validates an incident read back from the store; throws HEAL_BAD_RECORD naming the incident. */
export function parseIncident(raw: unknown): IncidentRecord {
  const r = IncidentSchema.safeParse(raw);
  if (r.success) return r.data;
  const id = typeof raw === 'object' && raw !== null && 'id' in raw ? String(raw.id) : '(no id)';
  throw healErrors.make('HEAL_BAD_RECORD', `incident ${id}: ${issueText(r.error)}`);
}

/** Validates an incident's steps read back from the store; throws HEAL_BAD_RECORD naming the incident and the step. */
export function parseSteps(incidentId: string, raw: readonly unknown[]): StepRecord[] {
  return raw.map((s, i) => {
    const r = StepSchema.safeParse(s);
    if (r.success) return r.data;
    const seq = typeof s === 'object' && s !== null && 'seq' in s ? String(s.seq) : `#${i + 1}`;
    throw healErrors.make('HEAL_BAD_RECORD', `incident ${incidentId} step ${seq}: ${issueText(r.error)}`);
  });
}

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

/** A step whose action was started and whose verification has not finished. */
export type StepInFlight = Readonly<{ seq: number; remedy: string; attempt: number; fix?: readonly number[]; forensic?: string }>;

/** One line of an incident's history, as reports show it. */
export type StepSummary = Readonly<{ seq: number; remedy: string; outcome: string }>;

/** What every state of an incident knows. */
export type IncidentFacts = Readonly<{
  incidentId: string;
  vm: string;
  detectedAt: number;
  /** The diagnosis that opened the incident. */
  diagnosis: Diagnosis;
  /** P(cause), CAUSE_IDS order, after every failed step (Bayes on the remedy's fix vector, or a fresh diagnosis). */
  posterior: readonly number[];
  /** The failure the latest diagnosis describes (failureSignature). */
  signature: string;
  /** Remedies tried, by id: how often, or Infinity for one that errored or was skipped (never offered again). */
  tried: Readonly<Record<string, number>>;
  /** Steps that count against the attempt budget (all but skipped ones). */
  attempts: number;
  /** Steps whose verification finished. */
  completedSteps: number;
  forensics: readonly string[];
  steps: readonly StepSummary[];
  /** The sequence number the next step gets. */
  nextSeq: number;
}>;

/**
 * Where an incident stands.
 * - `diagnosed`: open, no step in flight; the next remedy is to be chosen.
 * - `trying`: a step was started and its action may be partial (a crash interrupted it).
 * - `verifying`: a step's action completed; its verification boot has not finished.
 * - `healed`, `shut-down`: a step's verification boot reached ready, or a shutdown was asked
 *   for; `closed` is false while the incident record is not yet closed.
 * - `handed-over`: given to a human.
 */
export type IncidentState =
  | (IncidentFacts & { type: 'diagnosed' })
  | (IncidentFacts & { type: 'trying'; step: StepInFlight })
  | (IncidentFacts & { type: 'verifying'; step: StepInFlight })
  | (IncidentFacts & { type: 'healed'; fixedBy: string; mttrMs: number; closed: boolean })
  | (IncidentFacts & { type: 'shut-down'; reason: string; closed: boolean })
  | (IncidentFacts & { type: 'handed-over'; reason: string });

/** The states in which nothing more will be done. */
export const isClosed = (s: IncidentState): boolean => s.type === 'handed-over' || ((s.type === 'healed' || s.type === 'shut-down') && s.closed);

/**
 * Folds an incident's record and steps into its state. Pure; total over validated records.
 * @example
 * const state = replay(parseIncident(row), parseSteps(row.id, rows));
 * if (state.type === 'diagnosed') state.attempts; // 2
 */
export function replay(incident: IncidentRecord, steps: readonly StepRecord[]): IncidentState {
  let posterior: readonly number[] = posteriorOf(incident.diagnosis.causes);
  let signature = failureSignature(incident.diagnosis);
  const tried: Record<string, number> = {};
  const forensics: string[] = [];
  let attempts = 0;
  let completedSteps = 0;
  let ended: { by: StepRecord; outcome: 'fixed' | 'shutdown' } | undefined;
  for (const s of steps) {
    const d = s.detail;
    if (d.forensic !== undefined) forensics.push(d.forensic);
    if (s.outcome !== 'skipped') attempts += 1;
    tried[s.remedy] = s.outcome === 'error' || s.outcome === 'skipped' ? Infinity : (tried[s.remedy] ?? 0) + 1;
    if (s.state !== 'done') continue;
    completedSteps += 1;
    if (s.outcome === 'fixed' || s.outcome === 'shutdown') ended ??= { by: s, outcome: s.outcome };
    if (s.outcome !== 'failed') continue;
    // A failure that changed is new evidence, diagnosed afresh; the same failure again lowers
    // the causes the remedy should have fixed.
    if (d.rediagnosis !== undefined) {
      posterior = posteriorOf(d.rediagnosis.causes);
      signature = failureSignature(d.rediagnosis);
    } else if (d.fix !== undefined) posterior = afterFailure(posterior, d.fix);
  }
  const facts: IncidentFacts = {
    incidentId: incident.id,
    vm: incident.vm,
    detectedAt: incident.detectedAt,
    diagnosis: incident.diagnosis,
    posterior,
    signature,
    tried,
    attempts,
    completedSteps,
    forensics,
    steps: steps.map((s) => ({ seq: s.seq, remedy: s.remedy, outcome: s.outcome ?? s.state })),
    nextSeq: (steps.at(-1)?.seq ?? 0) + 1,
  };
  const closed = incident.status !== 'open';
  switch (incident.status) {
    case 'handed-over':
      return { ...facts, type: 'handed-over', reason: incident.reason ?? 'handed over' };
    case 'recovered':
      return { ...facts, type: 'healed', fixedBy: incident.fixedBy ?? ended?.by.remedy ?? '(unknown)', mttrMs: incident.mttrMs ?? (incident.closedAt ?? incident.detectedAt) - incident.detectedAt, closed };
    case 'shutdown':
      return { ...facts, type: 'shut-down', reason: incident.reason ?? 'shutdown requested', closed };
    case 'open':
      break;
  }
  // Open in the record: the steps say where it stands (a crash may have come between a step's
  // end and the record's closing).
  if (ended !== undefined) {
    // The VM was back at the verdict of the boot that proved the fix; the step finishes later,
    // after the target's teardown and bookkeeping.
    const at = ended.by.detail.verdictAt ?? ended.by.finishedAt ?? incident.detectedAt;
    return ended.outcome === 'fixed'
      ? { ...facts, type: 'healed', fixedBy: ended.by.remedy, mttrMs: at - incident.detectedAt, closed }
      : { ...facts, type: 'shut-down', reason: ended.by.detail.reason ?? 'shutdown requested', closed };
  }
  const last = steps.at(-1);
  if (last === undefined || last.state === 'done') return { ...facts, type: 'diagnosed' };
  const d = last.detail;
  const step: StepInFlight = { seq: last.seq, remedy: last.remedy, attempt: d.attempt ?? 1, ...(d.fix !== undefined ? { fix: d.fix } : {}), ...(d.forensic !== undefined ? { forensic: d.forensic } : {}) };
  return last.state === 'applied' ? { ...facts, type: 'verifying', step } : { ...facts, type: 'trying', step };
}
