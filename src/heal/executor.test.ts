import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBootmedicError } from '../core/index.ts';
import { createHealer, type HealEvent, type IncidentStore } from './index.ts';
import { createFakeHealTarget, diagnosisFor, remedyContext } from '../../testkit/index.ts';
// The incident repository through the store's door, on real node:sqlite.
import { openStore, type IncidentRepo } from '../store/index.ts';

// The SQLite repository satisfies heal/'s port (checked by the compiler).
const _port: (r: IncidentRepo) => IncidentStore = (r) => r;
void _port;

const ctx = remedyContext;

function setup() {
  const home = mkdtempSync(join(tmpdir(), 'bm-heal-'));
  const handles: { close(): void }[] = [];
  const openRepo = () => {
    const h = openStore({ home });
    handles.push(h);
    return h.incidents;
  };
  let t = 1_000_000;
  const clock = { now: () => t, advance: (ms: number) => (t += ms) };
  const events: HealEvent[] = [];
  const sleeps: number[] = [];
  const healerOn = (incidents: IncidentStore, budget = {}) =>
    createHealer({ incidents, now: clock.now, record: (e) => void events.push(e), sleep: async (ms) => void sleeps.push(ms), budget, newId: () => `inc-${events.length}` });
  const done = () => {
    for (const h of handles) h.close();
    rmSync(home, { recursive: true, force: true });
  };
  return { openRepo, clock, events, sleeps, healerOn, done };
}

test('MTTR ends at the verdict of the boot that proved the fix, not after the target stopped that boot', async () => {
  const s = setup();
  try {
    const repo = s.openRepo();
    const fake = createFakeHealTarget({ context: ctx(), outcomes: { 'more-memory': ['ready'] } });
    const healer = s.healerOn(repo);
    const detectedAt = s.clock.now();
    const fakeBoot = fake.target.bootAndWait;
    // Ready 6 s after detection; stopping the VM afterwards takes 2.5 s more.
    const target = {
      ...fake.target,
      bootAndWait: async (sig?: AbortSignal) => {
        s.clock.advance(6000);
        const verdictAt = s.clock.now();
        const r = await fakeBoot(sig);
        s.clock.advance(2500);
        return { ...r, verdictAt };
      },
    };
    const r = await healer.heal({ vm: 'tiny', target, diagnosis: diagnosisFor({ 'insufficient-memory': 0.9, transient: 0.05 }), detectedAt, bootId: 'b1' });
    assert.equal(r.outcome, 'recovered');
    assert.equal(r.mttrMs, 6000);
    assert.equal(repo.get(r.incidentId)?.mttrMs, 6000, 'the store keeps the same MTTR');
  } finally {
    s.done();
  }
});

test('a remedy whose boot reaches ready closes the incident as recovered, with MTTR from detection', async () => {
  const s = setup();
  try {
    const repo = s.openRepo();
    const fake = createFakeHealTarget({ context: ctx(), outcomes: { 'more-memory': ['ready'] } });
    const healer = s.healerOn(repo);
    const detectedAt = s.clock.now() - 2000;
    const fakeBoot = fake.target.bootAndWait;
    const target = { ...fake.target, bootAndWait: async (sig?: AbortSignal) => (s.clock.advance(5000), fakeBoot(sig)) };
    const r = await healer.heal({ vm: 'tiny', target, diagnosis: diagnosisFor({ 'insufficient-memory': 0.9, transient: 0.05 }), detectedAt, bootId: 'b1' });
    assert.equal(r.outcome, 'recovered');
    assert.equal(r.fixedBy, 'more-memory');
    assert.equal(r.mttrMs, 7000);
    assert.deepEqual(fake.calls, ['apply:more-memory', 'boot:more-memory']);
    assert.deepEqual(s.events.map((e) => e.type), ['incident-opened', 'diagnosis', 'plan', 'action', 'result', 'incident-closed']);
    assert.equal(repo.get(r.incidentId)?.status, 'recovered');
    assert.equal(repo.findOpen('tiny'), undefined);
  } finally {
    s.done();
  }
});

test('after a failed step the posterior moves on; destructive steps get a forensic snapshot first', async () => {
  const s = setup();
  try {
    const fake = createFakeHealTarget({ context: ctx({ imageRepairs: ['fsck-root'] }), outcomes: { 'repair-filesystem': ['failed'], 'rollback-snapshot': ['ready'] } });
    const r = await s.healerOn(s.openRepo()).heal({ vm: 'deb', target: fake.target, diagnosis: diagnosisFor({ 'rootfs-corrupt': 0.8, 'disk-image-corrupt': 0.1 }) });
    assert.equal(r.outcome, 'recovered');
    assert.deepEqual(fake.calls, ['snapshot', 'apply:repair-filesystem', 'boot:repair-filesystem', 'snapshot', 'apply:rollback-snapshot', 'boot:rollback-snapshot']);
    assert.deepEqual(r.steps.map((x) => [x.remedy, x.outcome]), [['repair-filesystem', 'failed'], ['rollback-snapshot', 'fixed']]);
    assert.equal(s.events.filter((e) => e.type === 'forensic-snapshot').length, 2);
  } finally {
    s.done();
  }
});

test('a destructive step is skipped, never run, when the forensic snapshot fails', async () => {
  const s = setup();
  try {
    const fake = createFakeHealTarget({ context: ctx(), failSnapshot: true });
    const r = await s.healerOn(s.openRepo(), { perWindow: 10 }).heal({ vm: 'deb', target: fake.target, diagnosis: diagnosisFor({ 'rootfs-corrupt': 0.9 }) });
    assert.equal(r.outcome, 'handed-over');
    assert.ok(!fake.applied.some((id) => ['rollback-snapshot', 'restore-golden-disk', 'restore-boot-artefacts'].includes(id)), `applied: ${fake.applied.join(', ')}`);
    assert.ok(s.events.some((e) => e.type === 'guardrail' && e.rule === 'forensic-snapshot-failed'));
  } finally {
    s.done();
  }
});

test('the attempt budget per incident ends in a hand-over with a report, never a loop', async () => {
  const s = setup();
  try {
    const fake = createFakeHealTarget({ context: ctx({ accel: 'kvm', imageRepairs: ['fsck-root', 'fstab-nofail'], hasPreviousKernel: true, changed: ['cmdline'] }) });
    const r = await s.healerOn(s.openRepo(), { perIncident: 4, perWindow: 100 }).heal({ vm: 'deb', target: fake.target, diagnosis: diagnosisFor({ transient: 0.3, 'guest-kernel-bug': 0.3, 'rootfs-corrupt': 0.3 }) });
    assert.equal(r.outcome, 'handed-over');
    assert.equal(fake.applied.length, 4);
    assert.equal(fake.calls.at(-1), 'hand-over');
    assert.equal(fake.handOvers.length, 1);
    assert.match(fake.handOvers[0]!.reason, /budget of 4 per incident/);
    assert.equal(fake.handOvers[0]!.steps.length, 4);
  } finally {
    s.done();
  }
});

test('the window budget counts attempts across incidents of the same VM', async () => {
  const s = setup();
  try {
    const repo = s.openRepo();
    const healer = s.healerOn(repo, { perIncident: 10, perWindow: 3, windowSeconds: 600 });
    const first = createFakeHealTarget({ context: ctx(), boots: ['failed', 'ready'] });
    const r1 = await healer.heal({ vm: 'tiny', target: first.target, diagnosis: diagnosisFor({ transient: 0.95 }) });
    assert.equal(r1.outcome, 'recovered');
    assert.equal(first.applied.length, 2);
    const second = createFakeHealTarget({ context: ctx() });
    const r2 = await healer.heal({ vm: 'tiny', target: second.target, diagnosis: diagnosisFor({ transient: 0.95 }) });
    assert.equal(r2.outcome, 'handed-over');
    assert.equal(second.applied.length, 1, 'one attempt left in the window');
    assert.ok(s.events.some((e) => e.type === 'guardrail' && e.rule === 'window-budget'));
    s.clock.advance(601_000);
    const third = createFakeHealTarget({ context: ctx(), boots: ['ready'] });
    assert.equal((await healer.heal({ vm: 'tiny', target: third.target, diagnosis: diagnosisFor({ transient: 0.95 }) })).outcome, 'recovered');
  } finally {
    s.done();
  }
});

test('a shutdown requested during verification is neither a fix nor a failure', async () => {
  const s = setup();
  try {
    const repo = s.openRepo();
    const fake = createFakeHealTarget({ context: ctx(), outcomes: { retry: ['shutdown'] } });
    const r = await s.healerOn(repo).heal({ vm: 'tiny', target: fake.target, diagnosis: diagnosisFor({ transient: 0.95 }) });
    assert.equal(r.outcome, 'shutdown');
    assert.equal(r.fixedBy, undefined);
    assert.equal(repo.get(r.incidentId)?.status, 'shutdown');
    assert.equal(fake.applied.length, 1, 'nothing more is tried');
  } finally {
    s.done();
  }
});

test('a remedy whose action throws is not offered again in the incident', async () => {
  const s = setup();
  try {
    const fake = createFakeHealTarget({ context: ctx(), failApply: ['more-memory'], outcomes: { retry: ['ready'] } });
    const r = await s.healerOn(s.openRepo()).heal({ vm: 'tiny', target: fake.target, diagnosis: diagnosisFor({ 'insufficient-memory': 0.6, transient: 0.3 }) });
    assert.equal(r.outcome, 'recovered');
    assert.equal(fake.calls.filter((c) => c === 'apply:more-memory').length, 1);
    assert.ok(s.events.some((e) => e.type === 'guardrail' && e.rule === 'action-error'));
  } finally {
    s.done();
  }
});

test('a restart resumes the open incident at the next step and never redoes a completed one', async () => {
  const s = setup();
  try {
    // Process 1: step 1 (more-memory) fails; step 2's action is applied, then the process dies during its boot.
    const abort = new AbortController();
    const p1 = createFakeHealTarget({
      context: ctx({ changed: ['cmdline'] }),
      beforeBoot: (id) => {
        if (id !== 'more-memory') abort.abort();
      },
    });
    const d = diagnosisFor({ 'insufficient-memory': 0.5, 'wrong-cmdline': 0.4 });
    const r1 = await s.healerOn(s.openRepo()).heal({ vm: 'tiny', target: p1.target, diagnosis: d, signal: abort.signal });
    assert.equal(r1.outcome, 'suspended');
    assert.deepEqual(p1.applied, ['more-memory', 'revert-config']);

    // Process 2: a new healer on the same store resumes; the applied step is verified by a boot, not re-applied.
    const p2 = createFakeHealTarget({ context: ctx({ changed: ['cmdline'] }), initiallyApplied: 'revert-config', outcomes: { 'revert-config': ['ready'] } });
    const repo2 = s.openRepo();
    const r2 = await s.healerOn(repo2).heal({ vm: 'tiny', target: p2.target, diagnosis: diagnosisFor({ transient: 1 }) });
    assert.equal(r2.incidentId, r1.incidentId, 'the same incident, not a new one');
    assert.equal(r2.outcome, 'recovered');
    assert.deepEqual(p2.calls, ['boot:revert-config'], 'no remedy applied twice');
    assert.deepEqual(r2.steps.map((x) => [x.seq, x.remedy, x.outcome]), [[1, 'more-memory', 'failed'], [2, 'revert-config', 'fixed']]);
    assert.ok(s.events.some((e) => e.type === 'incident-resumed'));
  } finally {
    s.done();
  }
});

test('a resumed incident keeps its learning: the posterior replays the failed steps', async () => {
  const s = setup();
  try {
    const abort = new AbortController();
    // Process 1 stops between steps, right after more-memory failed.
    const p1 = createFakeHealTarget({ context: ctx({ accel: 'kvm' }) });
    const heal1 = s.healerOn(s.openRepo());
    const origBoot = p1.target.bootAndWait;
    const target1 = { ...p1.target, bootAndWait: async (sig?: AbortSignal) => { const r = await origBoot(sig); abort.abort(); return r; } };
    const r1 = await heal1.heal({ vm: 'tiny', target: target1, diagnosis: diagnosisFor({ 'insufficient-memory': 0.55, 'accelerator-fault': 0.4 }), signal: abort.signal });
    assert.equal(r1.outcome, 'suspended');
    assert.deepEqual(p1.applied, ['more-memory']);
    const p2 = createFakeHealTarget({ context: ctx({ accel: 'kvm' }), outcomes: { 'switch-accel': ['ready'] } });
    const r2 = await s.healerOn(s.openRepo()).heal({ vm: 'tiny', target: p2.target });
    assert.equal(r2.outcome, 'recovered');
    // With insufficient-memory ruled down by the failure, the accelerator comes next, not more memory again.
    assert.deepEqual(p2.applied, ['switch-accel']);
  } finally {
    s.done();
  }
});

test('a failure that changes after a remedy is diagnosed afresh (two faults at once); the same failure again is not', async () => {
  const s = setup();
  try {
    const truncatedInitrd = {
      phase: 'initramfs' as const, status: 'failed' as const,
      findings: [{ id: 'kernel.panic.no-init', family: 'kernel-panic', title: 'kernel panic: No working init found.', severity: 'fatal' as const }],
    };
    const oom = { phase: 'initramfs' as const, status: 'failed' as const, memoryMiB: 80, findings: [{ id: 'kernel.panic.oom', family: 'kernel-panic', title: 'kernel panic: System is deadlocked on memory', severity: 'fatal' as const }] };
    const fake = createFakeHealTarget({ context: ctx({ hasDisk: false, bootFromDisk: false }), evidence: { 'more-memory': truncatedInitrd }, outcomes: { 'restore-boot-artefacts': ['ready'] } });
    const r = await s.healerOn(s.openRepo()).heal({ vm: 'tiny', target: fake.target, evidence: oom });
    assert.equal(r.outcome, 'recovered');
    assert.deepEqual(fake.applied, ['more-memory', 'restore-boot-artefacts']);
    const diagnoses = s.events.filter((e) => e.type === 'diagnosis');
    assert.equal(diagnoses.length, 2);
    assert.equal(diagnoses[1]?.type === 'diagnosis' ? diagnoses[1].causes[0]?.cause : '', 'initramfs-corrupt');

    // The same failure after the remedy: no new diagnosis, the failure lowers what more-memory fixes.
    const s2 = setup();
    try {
      const same = createFakeHealTarget({ context: ctx({ accel: 'kvm' }), evidence: { 'more-memory': oom }, outcomes: { 'switch-accel': ['ready'] } });
      await s2.healerOn(s2.openRepo()).heal({ vm: 'tiny', target: same.target, evidence: oom });
      assert.equal(s2.events.filter((e) => e.type === 'diagnosis').length, 1);
    } finally {
      s2.done();
    }
  } finally {
    s.done();
  }
});

/** Incident i1 of VM tiny (detected at 1000) as an earlier process left it: one retry step, applied and finished. */
function oneStepIncident(repo: IncidentRepo, detail: unknown, outcome: 'fixed' | 'failed', finishedAt: number) {
  repo.open({ id: 'i1', vm: 'tiny', detectedAt: 1000, openedAt: 1001, diagnosis: diagnosisFor({ transient: 0.9 }) });
  repo.startStep({ incidentId: 'i1', seq: 1, remedy: 'retry', startedAt: 1100, detail });
  repo.markApplied('i1', 1);
  repo.finishStep('i1', 1, outcome, finishedAt, outcome === 'fixed' ? { status: 'ready' } : undefined);
}

test('a restart after a fixing boot but before the incident was closed closes it as recovered, trying nothing more', async () => {
  const s = setup();
  try {
    const repo = s.openRepo();
    oneStepIncident(repo, { attempt: 1 }, 'fixed', 4000);
    const fake = createFakeHealTarget({ context: ctx() });
    const r = await s.healerOn(repo).heal({ vm: 'tiny', target: fake.target });
    assert.deepEqual([r.incidentId, r.outcome, r.fixedBy, r.mttrMs], ['i1', 'recovered', 'retry', 3000]);
    assert.deepEqual(fake.calls, [], 'no remedy applied, no boot');
    assert.equal(repo.get('i1')?.status, 'recovered');
    assert.deepEqual(s.events.map((e) => e.type), ['incident-resumed', 'incident-closed']);
  } finally {
    s.done();
  }
});

test('a malformed stored step stops the resumption with HEAL_BAD_RECORD naming the incident and the step', async () => {
  const s = setup();
  try {
    const repo = s.openRepo();
    oneStepIncident(repo, { fix: 'everything' }, 'failed', 1200);
    const fake = createFakeHealTarget({ context: ctx() });
    await assert.rejects(s.healerOn(repo).heal({ vm: 'tiny', target: fake.target }), (e: unknown) => isBootmedicError(e, 'HEAL_BAD_RECORD') && /^incident i1 step 1: detail\.fix/.test(e.message));
    assert.deepEqual(fake.calls, []);
  } finally {
    s.done();
  }
});
