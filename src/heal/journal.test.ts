import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.ts';
import { createFakeHealTarget, diagnosisFor, remedyContext } from '../../testkit/index.ts';
import { createHealer, type HealEvent } from './index.ts';

// The journal writes the store before it reports: whenever the ledger hears of a change,
// the store already holds it, so a process killed between the two resumes from a store that
// knows at least as much as the ledger.

test('every reported action, result, guardrail and closing is already in the store when it is reported', async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-journal-'));
  const store = openStore({ home });
  try {
    const seen: string[] = [];
    const check = (e: HealEvent) => {
      if (e.type === 'incident-opened') assert.equal(store.incidents.get(e.incidentId)?.status, 'open');
      const steps = store.incidents.steps(e.incidentId);
      const step = 'seq' in e ? steps.find((s) => s.seq === e.seq) : undefined;
      if (e.type === 'action') assert.ok(step !== undefined && step.state !== 'done', `step ${e.seq} is recorded as started before its action is reported`);
      if (e.type === 'result') assert.equal(step?.state, 'done', `step ${e.seq} is done before its result is reported`);
      if (e.type === 'guardrail' && e.rule !== 'window-budget' && e.rule !== 'no-remedy-left') assert.equal(steps.at(-1)?.state, 'done', `${e.rule}: the step it ended is done`);
      if (e.type === 'incident-closed') assert.equal(store.incidents.get(e.incidentId)?.status, e.status);
      seen.push(e.type === 'guardrail' ? e.rule : e.type);
    };
    // A destructive remedy whose snapshot fails (skipped), one whose action throws (error),
    // failed boots, then a hand-over when nothing is left.
    const fake = createFakeHealTarget({ context: remedyContext({ imageRepairs: ['fsck-root'] }), failSnapshot: true, failApply: ['more-memory'] });
    const healer = createHealer({ incidents: store.incidents, record: check, sleep: async () => {}, budget: { perWindow: 100 } });
    const r = await healer.heal({ vm: 'tiny', target: fake.target, diagnosis: diagnosisFor({ 'rootfs-corrupt': 0.5, 'insufficient-memory': 0.3, transient: 0.2 }) });
    assert.equal(r.outcome, 'handed-over');
    for (const kind of ['incident-opened', 'forensic-snapshot-failed', 'action-error', 'action', 'result', 'incident-closed']) assert.ok(seen.includes(kind), `${kind} was reported: ${seen.join(', ')}`);
  } finally {
    store.close();
    rmSync(home, { recursive: true, force: true });
  }
});
