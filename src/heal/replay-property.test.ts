import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CAUSE_IDS, type CauseId } from '../diagnose/index.ts';
import { openStore } from '../store/index.ts';
import { createFakeHealTarget, diagnosisFor, remedyContext } from '../../testkit/index.ts';
import { createHealer, decide, defaultRemedies, fixVector, parseIncident, parseSteps, replay, type HealAction, type RemedyContext, type StepRecord } from './index.ts';

// Properties of replay and decide over incidents the executor really recorded (fake target,
// real SQLite store) and over arbitrary step lists: replaying any prefix never throws, and
// decide never proposes a remedy the prefix has used up (tried maxAttempts times, or one
// that errored or was skipped).

const book = defaultRemedies();
const IDS = book.remedies.map((r) => r.id);
const maxAttempts = (id: string) => book.remedies.find((r) => r.id === id)!.maxAttempts;
const budget = { perIncident: 50, perWindow: 50, windowSeconds: 3600 };

/** Fails when `action` proposes a remedy that the steps have used up. */
function assertNotUsedUp(action: HealAction, steps: readonly StepRecord[]) {
  if (action.type !== 'try') return;
  const uses = steps.filter((s) => s.remedy === action.remedy.id);
  assert.ok(!uses.some((s) => s.outcome === 'error' || s.outcome === 'skipped'), `${action.remedy.id} errored or was skipped before, and is proposed again`);
  assert.ok(uses.length < maxAttempts(action.remedy.id), `${action.remedy.id} was tried ${uses.length} of ${maxAttempts(action.remedy.id)} times, and is proposed again`);
  assert.equal(action.seq, (steps.at(-1)?.seq ?? 0) + 1);
}

/** Every prefix of `steps`, each also with its last step cut short as a crash would leave it. */
function* prefixes(steps: readonly StepRecord[]): Generator<StepRecord[]> {
  for (let k = 0; k <= steps.length; k++) {
    const p = steps.slice(0, k);
    yield p;
    const last = p.at(-1);
    if (last === undefined) continue;
    const { outcome: _o, finishedAt: _f, ...inFlight } = last;
    yield [...p.slice(0, -1), { ...inFlight, state: 'started' }];
    yield [...p.slice(0, -1), { ...inFlight, state: 'applied' }];
  }
}

const contextArb: fc.Arbitrary<RemedyContext> = fc.record({
  accel: fc.constantFrom('kvm' as const, 'tcg' as const),
  changed: fc.subarray(['kernel', 'initrd', 'cmdline', 'memory'] as const),
  imageRepairs: fc.subarray(['fsck-root', 'fstab-nofail']),
  hasPreviousKernel: fc.boolean(),
  hasDisk: fc.boolean(),
}).map((o) => remedyContext({ ...o, bootFromDisk: o.hasDisk }));
const diagnosisArb = fc.dictionary(fc.constantFrom(...CAUSE_IDS), fc.double({ min: 0.01, max: 1, noNaN: true }), { minKeys: 1, maxKeys: 3 }).map((w) => diagnosisFor(w as Partial<Record<CauseId, number>>));

test('recorded incidents: every prefix replays, and decide never proposes a used-up remedy', async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-replay-'));
  const store = openStore({ home });
  let n = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        contextArb,
        diagnosisArb,
        fc.array(fc.constantFrom('failed' as const, 'stalled' as const, 'ready' as const, 'shutdown' as const), { minLength: 1, maxLength: 8 }),
        fc.subarray(IDS, { maxLength: 3 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 8 }),
        async (ctx, diagnosis, boots, failApply, failSnapshot, perIncident) => {
          const vm = `vm-${(n += 1)}`;
          const fake = createFakeHealTarget({ context: ctx, boots, failApply, failSnapshot });
          const healer = createHealer({ incidents: store.incidents, sleep: async () => {}, budget: { ...budget, perIncident } });
          const result = await healer.heal({ vm, target: fake.target, diagnosis });
          const incident = parseIncident(store.incidents.get(result.incidentId));
          const steps = parseSteps(incident.id, store.incidents.steps(incident.id));
          const whole = replay(incident, steps);
          assert.equal({ healed: 'recovered', 'shut-down': 'shutdown', 'handed-over': 'handed-over' }[whole.type as string], result.outcome, 'the replay of the record ends as the heal did');
          assert.deepEqual(whole.steps, result.steps);
          const open = { ...incident, status: 'open' as const };
          for (const p of prefixes(steps)) {
            const state = replay(open, p);
            assertNotUsedUp(decide(state, { remedies: book, target: ctx, attemptsInWindow: 0 }, { ...budget, perIncident }), p);
          }
        },
      ),
      { numRuns: 40, seed: 20261207 },
    );
  } finally {
    store.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('arbitrary step lists: replay never throws, and decide never proposes a used-up remedy', () => {
  const stepArb = fc.record({
    remedy: fc.constantFrom(...IDS),
    outcome: fc.constantFrom('fixed', 'failed', 'shutdown', 'error', 'interrupted', 'skipped'),
    forensic: fc.option(fc.string({ minLength: 1, maxLength: 8 }), { nil: undefined }),
    withFix: fc.boolean(),
  });
  fc.assert(
    fc.property(contextArb, diagnosisArb, fc.array(stepArb, { maxLength: 12 }), (ctx, diagnosis, raw) => {
      const rawSteps = raw.map((s, i) => ({
        seq: i + 1,
        remedy: s.remedy,
        state: 'done',
        outcome: s.outcome,
        detail: { attempt: 1, ...(s.withFix ? { fix: fixVector(book.remedies.find((r) => r.id === s.remedy)!, ctx) } : {}), ...(s.forensic !== undefined ? { forensic: s.forensic } : {}) },
      }));
      const incident = parseIncident({ id: 'i1', vm: 'tiny', status: 'open', detectedAt: 0, diagnosis });
      for (const p of prefixes(parseSteps('i1', rawSteps))) {
        const state = replay(incident, p);
        assertNotUsedUp(decide(state, { remedies: book, target: ctx, attemptsInWindow: 0 }, budget), p);
      }
    }),
    { numRuns: 300, seed: 7 },
  );
});
