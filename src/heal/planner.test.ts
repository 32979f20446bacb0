import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAUSE_IDS, type CauseId } from '../diagnose/index.ts';
import { afterFailure, compileRemedies, defaultRemedies, evaluateOrder, fixVector, planRemedies, type RemedyContext } from './index.ts';

const ctx = (over: Partial<RemedyContext> = {}): RemedyContext => ({
  accel: 'tcg', memoryMiB: 256, maxMemoryMiB: 4096, hasLastGood: true, changed: [], hasDisk: false, bootFromDisk: false,
  hasSnapshot: false, hasGolden: true, hasPreviousKernel: false, imageRepairs: [], cleanBootSeconds: 5, ...over,
});
const peaked = (top: CauseId, p = 0.9) => CAUSE_IDS.map((c) => (c === top ? p : (1 - p) / (CAUSE_IDS.length - 1)));
const idx = (c: CauseId) => CAUSE_IDS.indexOf(c);

test('the plan starts with the remedy that best fixes the likely cause per second', () => {
  const book = defaultRemedies();
  assert.equal(planRemedies(peaked('insufficient-memory'), book, ctx()).steps[0]?.remedy, 'more-memory');
  assert.equal(planRemedies(peaked('transient'), book, ctx()).steps[0]?.remedy, 'retry');
  assert.equal(planRemedies(peaked('accelerator-fault'), book, ctx({ accel: 'kvm' })).steps[0]?.remedy, 'switch-accel');
  assert.equal(planRemedies(peaked('wrong-cmdline'), book, ctx({ changed: ['cmdline'] })).steps[0]?.remedy, 'revert-config');
  assert.equal(planRemedies(peaked('kernel-missing'), book, ctx()).steps[0]?.remedy, 'restore-boot-artefacts');
  assert.equal(planRemedies(peaked('rootfs-corrupt'), book, ctx({ hasDisk: true, imageRepairs: ['fsck-root'], hasSnapshot: true })).steps[0]?.remedy, 'repair-filesystem');
});

test('preconditions keep inapplicable remedies out of the plan', () => {
  const book = defaultRemedies();
  const ids = planRemedies(peaked('accelerator-fault'), book, ctx({ accel: 'tcg', hasGolden: false }), { minPFix: 0 }).steps.map((s) => s.remedy);
  assert.ok(!ids.includes('switch-accel'), 'no KVM, no switch to TCG');
  assert.ok(!ids.includes('rollback-snapshot') && !ids.includes('restore-golden-disk'), 'no disk, no disk remedies');
  assert.ok(!ids.includes('revert-config'), 'nothing changed since the last good boot');
  const mem = planRemedies(peaked('insufficient-memory'), book, ctx({ memoryMiB: 4096 }), { minPFix: 0 }).steps.map((s) => s.remedy);
  assert.ok(!mem.includes('more-memory'), 'already at the memory limit');
});

test('a failed remedy lowers the causes it should have fixed', () => {
  const book = defaultRemedies();
  const more = book.remedies.find((r) => r.id === 'more-memory')!;
  const prior = peaked('insufficient-memory', 0.6);
  const post = afterFailure(prior, fixVector(more, ctx()));
  assert.ok(post[idx('insufficient-memory')]! < 0.2, `insufficient-memory after a failed more-memory: ${post[idx('insufficient-memory')]}`);
  assert.ok(post[idx('guest-kernel-bug')]! > prior[idx('guest-kernel-bug')]!);
  assert.ok(Math.abs(post.reduce((a, b) => a + b, 0) - 1) < 1e-9);
});

test('expected recovery time is Σ cost × P(reached) plus the hand-over when all fail', () => {
  const book = compileRemedies(
    {
      handOver: { title: 'human', costSeconds: 100 },
      remedies: [
        { id: 'a', title: 'a', action: { kind: 'retry' }, preconditions: [], cost: { seconds: 10, boots: 0 }, resources: 1, destructive: false, idempotent: true, maxAttempts: 1, fixes: { transient: 0.5 } },
        { id: 'b', title: 'b', action: { kind: 'retry' }, preconditions: [], cost: { seconds: 20, boots: 0 }, resources: 2, destructive: false, idempotent: true, maxAttempts: 1, fixes: { 'wrong-cmdline': 0.9 } },
      ],
    },
    'inline',
  );
  const post = CAUSE_IDS.map((c) => (c === 'transient' ? 0.5 : c === 'wrong-cmdline' ? 0.5 : 0));
  const plan = evaluateOrder(book.remedies, post, ctx(), book);
  // P(a fixes) = 0.25; then P(b fixes | a failed) = 0.5/0.75 × 0.9 = 0.6; P(all fail) = 0.75 × 0.4 = 0.3.
  assert.ok(Math.abs(plan.steps[1]!.pFix - 0.6) < 1e-9);
  assert.ok(Math.abs(plan.expectedSeconds - (10 + 0.75 * 20 + 0.3 * 100)) < 1e-9);
  assert.ok(Math.abs(plan.pRecover - 0.7) < 1e-9);
  assert.ok(Math.abs(plan.expectedResources - (1 + 0.75 * 2)) < 1e-9);
});

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

test('with remedies that each fix one cause for sure, the greedy order is the optimum (Kadane & Simon)', () => {
  const causes: CauseId[] = ['transient', 'insufficient-memory', 'wrong-cmdline', 'kernel-missing', 'guest-kernel-bug', 'accelerator-fault'];
  const costs = [7, 3, 11, 5, 2, 13];
  const book = compileRemedies(
    {
      handOver: { title: 'human', costSeconds: 500 },
      remedies: causes.map((c, i) => ({ id: `r${i}`, title: c, action: { kind: 'retry' }, preconditions: [], cost: { seconds: costs[i]!, boots: 0 }, resources: 1, destructive: false, idempotent: true, maxAttempts: 1, fixes: { [c]: 0.99 } })),
    },
    'inline',
  );
  const post = CAUSE_IDS.map((c) => [0.3, 0.1, 0.25, 0.05, 0.2, 0.1][causes.indexOf(c)] ?? 0);
  const greedy = planRemedies(post, book, ctx(), { minPFix: 0 });
  const best = Math.min(...permutations([...book.remedies]).map((o) => evaluateOrder(o, post, ctx(), book).expectedSeconds));
  assert.equal(greedy.steps.length, 6);
  assert.ok(Math.abs(greedy.expectedSeconds - best) < 1e-9, `greedy ${greedy.expectedSeconds} vs optimum ${best}`);
});

test('a remedies file with an unknown cause, fact or a certain fix is refused with the field named', () => {
  const base = { id: 'x', title: 'x', action: { kind: 'retry' }, preconditions: [], cost: { seconds: 1, boots: 1 }, resources: 1, destructive: false, idempotent: true, maxAttempts: 1, fixes: { transient: 0.5 } };
  const book = (r: object) => ({ handOver: { title: 'h', costSeconds: 1 }, remedies: [{ ...base, ...r }] });
  assert.throws(() => compileRemedies(book({ fixes: { 'no-such-cause': 0.5 } }), 'f.yaml'), (e: Error & { code?: string }) => e.code === 'HEAL_BAD_REMEDIES' && /f\.yaml: remedies\.0\.fixes.*no-such-cause/.test(e.message));
  assert.throws(() => compileRemedies(book({ preconditions: ['moon-is-full'] }), 'f.yaml'), /remedies\.0\.preconditions\.0: unknown fact/);
  assert.throws(() => compileRemedies(book({ fixes: { transient: 1 } }), 'f.yaml'), /remedies\.0\.fixes\.transient/);
  assert.throws(() => compileRemedies(book({ action: { kind: 'pray' } }), 'f.yaml'), /remedies\.0\.action/);
  assert.throws(() => compileRemedies({ handOver: { title: 'h', costSeconds: 1 }, remedies: [base, base] }, 'f.yaml'), /"x" appears twice/);
});

test('fixesWhen rows apply only when their fact holds', () => {
  const revert = defaultRemedies().remedies.find((r) => r.id === 'revert-config')!;
  assert.equal(fixVector(revert, ctx({ changed: ['memory'] }))[idx('insufficient-memory')], 0.95);
  assert.equal(fixVector(revert, ctx({ changed: ['cmdline'] }))[idx('insufficient-memory')], 0);
});

test('a likely transient stall gets a longer stall budget first; a failure a plain retry', () => {
  const book = defaultRemedies();
  const ids = planRemedies(peaked('transient', 0.8), book, ctx({ lastVerdict: 'stalled' })).steps.map((s) => s.remedy);
  assert.equal(ids[0], 'wait-longer');
  assert.equal(planRemedies(peaked('transient', 0.8), book, ctx({ lastVerdict: 'failed' })).steps[0]?.remedy, 'retry');
  assert.ok(!planRemedies(peaked('transient', 0.8), book, ctx({ lastVerdict: 'failed' })).steps.some((s) => s.remedy === 'wait-longer'));
});

test('changedFields lists what a fingerprint diff says changed', async () => {
  const { changedFields } = await import('./index.ts');
  assert.deepEqual(changedFields({ kernel: 'same', initrd: 'removed', cmdline: 'changed-root', memory: 'same', cpus: 'same', disks: 'same', accel: 'changed' }), ['initrd', 'cmdline', 'accel']);
  assert.deepEqual(changedFields({ kernel: 'missing', initrd: 'same', cmdline: 'same', memory: 'same', cpus: 'same', disks: 'missing', accel: 'same' }), [], 'a file that is gone is not a configuration change');
  assert.deepEqual(changedFields({ kernel: 'same', initrd: 'same', cmdline: 'same', memory: 'same', cpus: 'same', disks: 'content-changed', accel: 'same' }), [], 'changed disk bytes are not configuration');
  assert.deepEqual(changedFields({ kernel: 'same', initrd: 'same', cmdline: 'same', memory: 'same', cpus: 'same', disks: 'removed', accel: 'same' }), ['disks']);
});
