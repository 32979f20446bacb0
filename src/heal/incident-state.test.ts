import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAUSE_IDS } from '../diagnose/index.ts';
import { isBootmedicError } from '../core/index.ts';
import { diagnosisFor } from '../../testkit/index.ts';
import { afterFailure, parseIncident, parseSteps, posteriorOf, replay, type IncidentState } from './index.ts';

// Replay over hand-built records: what each recorded history means.

const memory = CAUSE_IDS.indexOf('insufficient-memory');
const opening = diagnosisFor({ 'insufficient-memory': 0.6, transient: 0.3 });
/** Fixes insufficient-memory with 0.9, nothing else. */
const memFix = CAUSE_IDS.map((_, i) => (i === memory ? 0.9 : 0));
const incident = (over: Record<string, unknown> = {}) => parseIncident({ id: 'i1', vm: 'tiny', status: 'open', detectedAt: 1000, diagnosis: opening, ...over });
const stateOf = (steps: unknown[], over: Record<string, unknown> = {}): IncidentState => replay(incident(over), parseSteps('i1', steps));
const done = (seq: number, remedy: string, outcome: string, detail: Record<string, unknown> = {}, finishedAt = 2000 + seq) => ({ seq, remedy, state: 'done', outcome, startedAt: 1500 + seq, finishedAt, detail });

test('an incident without steps is diagnosed: nothing tried, the posterior is the diagnosis', () => {
  const s = stateOf([]);
  assert.equal(s.type, 'diagnosed');
  assert.equal(s.attempts, 0);
  assert.equal(s.nextSeq, 1);
  assert.deepEqual(s.tried, {});
  assert.deepEqual(s.posterior, posteriorOf(opening.causes));
});

test('a failed step lowers the causes its remedy should have fixed and counts as an attempt', () => {
  const s = stateOf([done(1, 'more-memory', 'failed', { fix: memFix, attempt: 1 })]);
  assert.equal(s.type, 'diagnosed');
  assert.deepEqual(s.posterior, afterFailure(posteriorOf(opening.causes), memFix));
  assert.ok(s.posterior[memory]! < posteriorOf(opening.causes)[memory]!);
  assert.deepEqual(s.tried, { 'more-memory': 1 });
  assert.equal(s.attempts, 1);
  assert.equal(s.completedSteps, 1);
  assert.equal(s.nextSeq, 2);
  assert.deepEqual(s.steps, [{ seq: 1, remedy: 'more-memory', outcome: 'failed' }]);
});

test('a failure diagnosed afresh replaces the posterior and the failure signature', () => {
  const rediagnosis = diagnosisFor({ 'initramfs-corrupt': 0.9 });
  rediagnosis.explanation.evidence.push({ evidence: 'finding:kernel.panic.no-init', detail: '', forTop: 3, raised: [], lowered: [] });
  const s = stateOf([done(1, 'more-memory', 'failed', { fix: memFix, rediagnosis })]);
  assert.deepEqual(s.posterior, posteriorOf(rediagnosis.causes));
  assert.equal(s.signature, 'finding:kernel.panic.no-init');
});

test('a remedy that errored or was skipped is marked as never to be offered again; a skipped step is no attempt', () => {
  const s = stateOf([done(1, 'more-memory', 'error', { error: 'boom' }), done(2, 'rollback-snapshot', 'skipped', { fix: memFix, attempt: 1, error: 'no snapshot' }), done(3, 'retry', 'failed')]);
  assert.deepEqual(s.tried, { 'more-memory': Infinity, 'rollback-snapshot': Infinity, retry: 1 });
  assert.equal(s.attempts, 2);
  assert.equal(s.nextSeq, 4);
});

test('forensic snapshots are collected from every step', () => {
  const s = stateOf([done(1, 'repair-filesystem', 'failed', { forensic: 'snap-1' }), done(2, 'retry', 'failed'), done(3, 'rollback-snapshot', 'failed', { forensic: 'snap-3' })]);
  assert.deepEqual(s.forensics, ['snap-1', 'snap-3']);
});

test('a last step that was started is being tried; one that was applied is being verified', () => {
  const started = stateOf([done(1, 'retry', 'failed'), { seq: 2, remedy: 'more-memory', state: 'started', detail: { fix: memFix, attempt: 1 } }]);
  assert.equal(started.type, 'trying');
  assert.deepEqual(started.type === 'trying' ? started.step : undefined, { seq: 2, remedy: 'more-memory', attempt: 1, fix: memFix });
  const applied = stateOf([{ seq: 1, remedy: 'revert-config', state: 'applied', detail: { attempt: 2, forensic: 'f' } }]);
  assert.equal(applied.type, 'verifying');
  assert.deepEqual(applied.type === 'verifying' ? applied.step : undefined, { seq: 1, remedy: 'revert-config', attempt: 2, forensic: 'f' });
  assert.equal(applied.attempts, 1, 'a step in flight counts against the budget');
});

test('a fixed step heals the incident; the record says whether it was closed', () => {
  const open = stateOf([done(1, 'retry', 'failed'), done(2, 'more-memory', 'fixed', {}, 9000)]);
  assert.deepEqual(open.type === 'healed' ? [open.fixedBy, open.mttrMs, open.closed] : open.type, ['more-memory', 8000, false]);
  const closed = stateOf([done(1, 'more-memory', 'fixed')], { status: 'recovered', fixedBy: 'more-memory', mttrMs: 1234, closedAt: 2234 });
  assert.deepEqual(closed.type === 'healed' ? [closed.fixedBy, closed.mttrMs, closed.closed] : closed.type, ['more-memory', 1234, true]);
});

test("a fix's MTTR ends at its verification boot's verdict, not when the step was written down", () => {
  // detected at 1000; the boot was ready at 7500; its VM was stopped and the step recorded at 9000.
  const s = stateOf([done(1, 'more-memory', 'fixed', { verdictAt: 7500 }, 9000)]);
  assert.deepEqual(s.type === 'healed' ? [s.mttrMs, s.closed] : s.type, [6500, false]);
  // Steps recorded before verdicts were kept end at the step's finish, as before.
  const older = stateOf([done(1, 'more-memory', 'fixed', {}, 9000)]);
  assert.deepEqual(older.type === 'healed' ? older.mttrMs : older.type, 8000);
});

test('a shutdown during verification ends the incident with its reason; a hand-over is read from the record', () => {
  const shut = stateOf([done(1, 'retry', 'shutdown', { status: 'shutdown', reason: 'operator' })]);
  assert.deepEqual(shut.type === 'shut-down' ? [shut.reason, shut.closed] : shut.type, ['operator', false]);
  const handed = stateOf([done(1, 'retry', 'failed')], { status: 'handed-over', reason: 'no applicable remedy left', closedAt: 3000 });
  assert.deepEqual(handed.type === 'handed-over' ? handed.reason : handed.type, 'no applicable remedy left');
});

test('an opening diagnosis without causes replays to a uniform posterior', () => {
  const s = replay(parseIncident({ id: 'i1', vm: 'tiny', status: 'open', detectedAt: 1, diagnosis: {} }), []);
  assert.deepEqual(s.posterior, CAUSE_IDS.map(() => 1 / CAUSE_IDS.length));
});

test('a malformed step is HEAL_BAD_RECORD naming the incident, the step and the field', () => {
  const bad = (steps: unknown[], re: RegExp) =>
    assert.throws(() => parseSteps('i1', steps), (e: unknown) => isBootmedicError(e, 'HEAL_BAD_RECORD') && re.test(e.message));
  bad([done(1, 'retry', 'failed'), done(2, 'more-memory', 'failed', { fix: 'all of it' })], /^incident i1 step 2: detail\.fix: /);
  bad([done(1, 'more-memory', 'failed', { fix: [0.9] })], /^incident i1 step 1: detail\.fix: /);
  bad([{ seq: 1, remedy: 'retry', state: 'done' }], /^incident i1 step 1: .*outcome exactly when/);
  bad([{ seq: 1, remedy: 'retry', state: 'paused' }], /^incident i1 step 1: state: /);
  bad([{ remedy: 'retry', state: 'started' }], /^incident i1 step #1: seq: /);
});

test('a malformed incident is HEAL_BAD_RECORD naming the incident and the field', () => {
  assert.throws(
    () => parseIncident({ id: 'i9', vm: 'tiny', status: 'open', detectedAt: 1, diagnosis: { causes: [{ cause: 'gremlins', probability: 1 }] } }),
    (e: unknown) => isBootmedicError(e, 'HEAL_BAD_RECORD') && /^incident i9: diagnosis\.causes\.0\.cause: /.test(e.message),
  );
  assert.throws(() => parseIncident({ id: 'i9', vm: 'tiny', status: 'half-open', detectedAt: 1, diagnosis: {} }), /incident i9: status: /);
});
