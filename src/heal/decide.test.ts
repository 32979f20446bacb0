import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBootmedicError } from '../core/index.ts';
import { diagnosisFor, remedyContext } from '../../testkit/index.ts';
import { decide, DEFAULT_BUDGET, defaultRemedies, fixVector, posteriorOf, type DecideContext, type IncidentFacts, type IncidentState } from './index.ts';

// decide over hand-built states: the guardrails and the choice of the next step.

const book = defaultRemedies();
const remedy = (id: string) => book.remedies.find((r) => r.id === id)!;
const memoryDiagnosis = diagnosisFor({ 'insufficient-memory': 0.6, transient: 0.3 });
const facts = (over: Partial<IncidentFacts> = {}): IncidentFacts => ({
  incidentId: 'i1', vm: 'tiny', detectedAt: 0, diagnosis: memoryDiagnosis, posterior: posteriorOf(memoryDiagnosis.causes), signature: '',
  tried: {}, attempts: 0, completedSteps: 0, forensics: [], steps: [], nextSeq: 1, ...over,
});
const ctx = (over: Partial<DecideContext> = {}): DecideContext => ({ remedies: book, target: remedyContext(), attemptsInWindow: 0, ...over });
const budget = { ...DEFAULT_BUDGET, perIncident: 6, perWindow: 3 };

test('a fresh incident tries the remedy the plan puts first, as step 1, attempt 1', () => {
  const a = decide({ ...facts(), type: 'diagnosed' }, ctx(), budget);
  assert.equal(a.type, 'try');
  if (a.type !== 'try') return;
  assert.equal(a.remedy.id, 'more-memory');
  assert.equal(a.plan.steps[0]?.remedy, 'more-memory');
  assert.deepEqual([a.seq, a.attempt], [1, 1]);
  assert.deepEqual(a.fix, fixVector(remedy('more-memory'), remedyContext()));
});

test('the attempt budget of the incident used up: hand-over, whatever is left to try', () => {
  const a = decide({ ...facts({ attempts: 6 }), type: 'diagnosed' }, ctx(), budget);
  assert.deepEqual(a, { type: 'hand-over', reason: 'attempt budget of 6 per incident used up' });
});

test('the window budget used up: hand-over with the window-budget guardrail', () => {
  const a = decide({ ...facts({ attempts: 1 }), type: 'diagnosed' }, ctx({ attemptsInWindow: 3 }), { ...budget, windowSeconds: 600 });
  assert.equal(a.type, 'hand-over');
  assert.equal(a.type === 'hand-over' ? a.reason : '', 'attempt budget of 3 per 600 s used up');
  assert.deepEqual(a.type === 'hand-over' ? a.guardrail : undefined, { rule: 'window-budget', detail: '3 attempts for tiny in the last 600 s' });
});

test('a remedy tried as often as it may be is not proposed again: the next one is', () => {
  const max = remedy('more-memory').maxAttempts;
  const a = decide({ ...facts({ tried: { 'more-memory': max }, attempts: max, nextSeq: max + 1 }), type: 'diagnosed' }, ctx(), budget);
  assert.equal(a.type, 'try');
  assert.notEqual(a.type === 'try' ? a.remedy.id : '', 'more-memory');
  assert.equal(a.type === 'try' ? a.seq : 0, max + 1);
});

test('a remedy tried once of two allowed is tried again as attempt 2, after its backoff', () => {
  assert.equal(remedy('retry').maxAttempts, 2);
  assert.deepEqual(remedy('retry').backoffSeconds, [1, 30]);
  const transient = diagnosisFor({ transient: 0.95 });
  const a = decide({ ...facts({ diagnosis: transient, posterior: posteriorOf(transient.causes), tried: { retry: 1 }, attempts: 1, nextSeq: 2 }), type: 'diagnosed' }, ctx({ remedies: { ...book, remedies: [remedy('retry')] } }), budget);
  assert.equal(a.type === 'try' ? `${a.remedy.id}#${a.attempt}` : a.type, 'retry#2');
  assert.equal(a.type === 'try' ? a.backoffMs : -1, 30_000);
});

test('a remedy that errored is never proposed again in the incident', () => {
  const a = decide({ ...facts({ tried: { 'more-memory': Infinity }, attempts: 1, nextSeq: 2 }), type: 'diagnosed' }, ctx(), budget);
  assert.equal(a.type, 'try');
  assert.notEqual(a.type === 'try' ? a.remedy.id : '', 'more-memory');
});

test('no remedy likely enough: hand-over with the plan and the no-remedy-left guardrail', () => {
  const a = decide({ ...facts(), type: 'diagnosed' }, ctx({ minPFix: 1 }), budget);
  assert.equal(a.type, 'hand-over');
  if (a.type !== 'hand-over') return;
  assert.equal(a.reason, 'no applicable remedy left');
  assert.deepEqual(a.plan?.steps, []);
  assert.equal(a.guardrail?.rule, 'no-remedy-left');
});

test('a step interrupted inside its action is redone when idempotent, abandoned when not; an applied one is verified', () => {
  const step = (id: string) => ({ seq: 2, remedy: id, attempt: 1, fix: [0.5] });
  assert.equal(remedy('revert-config').idempotent, true);
  assert.equal(remedy('more-memory').idempotent, false);
  assert.deepEqual(pick(decide({ ...facts(), type: 'trying', step: step('revert-config') }, ctx(), budget)), ['redo', 'revert-config', [0.5]]);
  assert.deepEqual(pick(decide({ ...facts(), type: 'trying', step: step('more-memory') }, ctx(), budget)), ['abandon', 'more-memory', undefined]);
  assert.deepEqual(pick(decide({ ...facts(), type: 'verifying', step: step('more-memory') }, ctx(), budget)), ['verify', 'more-memory', [0.5]]);
  // A step recorded without its fix vector gets it from the VM's facts.
  const { fix: _none, ...old } = step('more-memory');
  assert.deepEqual(pick(decide({ ...facts(), type: 'verifying', step: old }, ctx(), budget)), ['verify', 'more-memory', fixVector(remedy('more-memory'), remedyContext())]);
});

const pick = (a: ReturnType<typeof decide>) =>
  a.type === 'redo' || a.type === 'verify' ? [a.type, a.remedy.id, a.fix] : a.type === 'abandon' ? [a.type, a.remedy.id, undefined] : [a.type];

test('a healed or shut-down incident whose record is open is closed; a closed one is done', () => {
  const healed = (closed: boolean): IncidentState => ({ ...facts(), type: 'healed', fixedBy: 'retry', mttrMs: 42, closed });
  assert.deepEqual(decide(healed(false), { remedies: book, attemptsInWindow: 9 }, budget), { type: 'close', status: 'recovered', fixedBy: 'retry', mttrMs: 42 });
  assert.deepEqual(decide(healed(true), { remedies: book, attemptsInWindow: 9 }, budget), { type: 'done' });
  assert.deepEqual(decide({ ...facts(), type: 'shut-down', reason: 'operator', closed: false }, ctx(), budget), { type: 'close', status: 'shutdown', reason: 'operator' });
  assert.deepEqual(decide({ ...facts(), type: 'handed-over', reason: 'x' }, ctx(), budget), { type: 'done' });
});

test('a step naming a remedy the book no longer has is HEAL_UNKNOWN_REMEDY naming the incident and step', () => {
  assert.throws(
    () => decide({ ...facts(), type: 'verifying', step: { seq: 3, remedy: 'pray', attempt: 1 } }, ctx(), budget),
    (e: unknown) => isBootmedicError(e, 'HEAL_UNKNOWN_REMEDY') && /^incident i1 step 3: remedy "pray"/.test(e.message),
  );
});

test('planning without the VM facts is a programming error, said plainly', () => {
  assert.throws(() => decide({ ...facts(), type: 'diagnosed' }, { remedies: book, attemptsInWindow: 0 }, budget), /incident i1 in state diagnosed needs the target's context/);
});
