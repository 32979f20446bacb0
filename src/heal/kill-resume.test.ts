// kill -9 mid-heal: a healer process killed inside an action or a verification boot leaves
// the store such that the next healer resumes the same incident and applies no step twice
// (unless its action is idempotent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '../store/index.ts';
import { createFakeHealTarget, diagnosisFor, remedyContext } from '../../testkit/index.ts';
import { createHealer, incidentState } from './index.ts';

const child = fileURLToPath(new URL('./testdata/heal-until-killed.ts', import.meta.url));

/** Runs the child until it hangs at `point` of `remedy`, then SIGKILLs it. */
function healUntilKilled(home: string, point: 'apply' | 'boot', remedy: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, home, point, remedy], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const guard = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('hanging\n')) p.kill('SIGKILL');
    });
    p.on('exit', (_code, signal) => {
      clearTimeout(guard);
      if (signal === 'SIGKILL' && out.includes('hanging\n')) resolve();
      else reject(new Error(`the child did not hang at ${point} of ${remedy} (signal ${signal}): ${out}${err}`));
    });
  });
}

async function resume(home: string, outcomes: Record<string, ('ready' | 'failed')[]>, initiallyApplied?: string) {
  const store = openStore({ home });
  try {
    const fake = createFakeHealTarget({ context: remedyContext({ changed: ['cmdline'] }), outcomes, ...(initiallyApplied !== undefined ? { initiallyApplied } : {}) });
    const r = await createHealer({ incidents: store.incidents, sleep: async () => {} }).heal({ vm: 'tiny', target: fake.target });
    return { r, calls: fake.calls, state: incidentState(store.incidents, r.incidentId) };
  } finally {
    store.close();
  }
}

test('killed during the boot that verifies an applied step: the resumed healer boots to verify it, applying nothing again', async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-kill-'));
  try {
    await healUntilKilled(home, 'boot', 'revert-config');
    const { r, calls } = await resume(home, { 'revert-config': ['ready'] }, 'revert-config');
    assert.equal(r.outcome, 'recovered');
    assert.deepEqual(calls, ['boot:revert-config']);
    assert.deepEqual(r.steps.map((s) => [s.seq, s.remedy, s.outcome]), [[1, 'more-memory', 'failed'], [2, 'revert-config', 'fixed']]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('killed inside an action that is not safe to repeat: the step is closed as interrupted, counted, and not redone', async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-kill-'));
  try {
    await healUntilKilled(home, 'apply', 'more-memory');
    const { r, calls, state } = await resume(home, { 'revert-config': ['ready'] });
    assert.equal(r.outcome, 'recovered');
    // more-memory allows two attempts: the interrupted one is the first, so one more may
    // follow, as a new step; step 1 itself is never carried out again.
    assert.deepEqual(r.steps.map((s) => [s.seq, s.remedy, s.outcome]), [[1, 'more-memory', 'interrupted'], [2, 'more-memory', 'failed'], [3, 'revert-config', 'fixed']]);
    assert.deepEqual(calls, ['apply:more-memory', 'boot:more-memory', 'apply:revert-config', 'boot:revert-config']);
    assert.equal(state.attempts, 3, 'the interrupted step counts against the budget');
    assert.equal(state.tried['more-memory'], 2);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
