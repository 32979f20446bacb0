import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBootmedicError } from '../core/index.ts';
import { getFault } from '../faults/index.ts';
import { needsSecureBoot } from './drill-vm.ts';
import { computeTotals, describeProgress, drawScenarios, loadDrillFaults, parseDrillFaults, percentile, renderHtml, renderMarkdown, type DrillReport, type ScenarioResult } from './index.ts';

test('the scenario data names the faults issue 6 asks for, with ground truth', () => {
  const { faults, combinations } = loadDrillFaults();
  for (const n of ['bad-root', 'corrupted-initrd', 'missing-kernel', 'low-memory', 'kernel-panic', 'init-hang', 'boot-loop', 'qcow2-header', 'detached-disk', 'transient', 'kvm-hang']) {
    assert.ok(faults.some((f) => f.name === n), n);
  }
  assert.ok(combinations.length > 0);
  assert.equal(faults.find((f) => f.name === 'bad-root')!.cause, 'wrong-cmdline', 'catalogue faults take their truth from the catalogue');
});

test('drawing is seeded, covers every fault before repeating, and adds pairs', () => {
  const a = drawScenarios(30, 5);
  assert.deepEqual(a.map((s) => s.name), drawScenarios(30, 5).map((s) => s.name));
  assert.notDeepEqual(a.map((s) => s.name), drawScenarios(30, 6).map((s) => s.name));
  const n = loadDrillFaults().faults.length;
  assert.equal(new Set(a.slice(0, n).map((s) => s.name)).size, n);
  const pair = a.find((s) => s.faults.length === 2)!;
  assert.ok(pair !== undefined && pair.causes.length >= 1);
  assert.equal(pair.recoverable, pair.faults.every((f) => f.recoverable));
  assert.ok(drawScenarios(8, 1, { quick: true }).every((s) => s.faults.every((f) => f.quick)));
  assert.ok(drawScenarios(40, 1, { exclude: ['kvm-hang'] }).every((s) => !s.name.includes('kvm-hang')));
});

test("the Debian scenarios are the catalogue's Debian faults of every family issue 12 names, drawn apart from the tiny guest's", () => {
  const { faults } = loadDrillFaults('debian');
  const catalogue = faults.map((f) => (f.inject.kind === 'catalogue' ? getFault(f.inject.fault) : undefined));
  assert.ok(catalogue.every((c) => c !== undefined && c.guests.includes('debian')), 'every Debian scenario is a Debian fault of the catalogue');
  const ops = new Set(catalogue.map((c) => (c!.injection.kind === 'image' ? c!.injection.op : c!.injection.kind)));
  for (const op of ['fstab-bad-option', 'edit-grub-cfg', 'zero-ext4-superblock', 'truncate-esp-file', 'delete-esp-file', 'vm', 'wipe-gpt', 'corrupt-esp-file']) assert.ok(ops.has(op as never), op);
  const drawn = drawScenarios(20, 1, { guest: 'debian' });
  assert.equal(drawn.length, 20);
  const names = new Set(faults.map((f) => f.name));
  assert.ok(drawn.every((sc) => sc.faults.every((f) => names.has(f.name))), 'only Debian faults are drawn');
  assert.ok(!drawScenarios(20, 1).some((sc) => sc.faults.some((f) => names.has(f.name))), 'and never for the tiny guest');
  // Only the tampered GRUB needs the Secure Boot variant of the image.
  assert.deepEqual(drawn.filter(needsSecureBoot).map((sc) => sc.name).filter((n, i, a) => a.indexOf(n) === i), ['sb-tampered-grub']);
});

const res = (over: Partial<ScenarioResult>): ScenarioResult => ({
  index: 1, name: 'x', vm: 'v', faults: ['x'], trueCauses: ['transient'], recoverable: true, injected: [], detected: true, findings: [], remedies: [],
  outcome: 'recovered', expectedOutcome: 'recovered', ok: true, ...over,
});

test('totals: rates, MTTR percentiles over recovered scenarios, RTO', () => {
  const rs = [
    res({ index: 1, mttrMs: 10_000, top1Correct: true }),
    res({ index: 2, mttrMs: 30_000, top1Correct: false }),
    res({ index: 3, recoverable: false, expectedOutcome: 'handed-over', outcome: 'handed-over', top1Correct: true }),
    res({ index: 4, detected: false, outcome: 'not-detected', ok: false }),
  ];
  const t = computeTotals(rs, 20_000, 25);
  assert.equal(t.detectionRate, 0.75);
  assert.equal(t.top1Accuracy, 2 / 3);
  assert.equal(t.recoveryRate, 2 / 3);
  assert.equal(t.handOverRate, 1);
  assert.equal(t.mttrMedianMs, 10_000);
  assert.equal(t.mttrMaxMs, 30_000);
  assert.equal(t.rtoMet, false);
  assert.equal(percentile([1, 2, 3, 4], 95), 4);
  assert.equal(percentile([], 50), null);
});

test('the HTML report is self-contained with inline SVG; Markdown has the totals and the checkpoint', () => {
  const rs = [res({ name: 'a<b', mttrMs: 1000, topCause: 'transient', topProbability: 0.9, top1Correct: true })];
  const r: DrillReport = {
    id: 't', seed: 1, startedAt: 'a', finishedAt: 'b', accel: 'tcg', accelReason: 'r', cleanBoot: { bootId: 'c', ms: 2000 }, scenarios: rs,
    totals: computeTotals(rs, 2000), dir: '/tmp', ledger: { index: 4, checkpoint: 'origin\n5\nroot=\n' },
  };
  const html = renderHtml(r);
  assert.ok(html.includes('<svg') && html.includes('a&lt;b'));
  assert.ok(!/(src|href)="?https?:/.test(html) && !html.includes('<script'));
  const md = renderMarkdown(r);
  assert.ok(md.includes('Top-1 diagnosis accuracy') && md.includes('origin\n5\n'));
});

test('progress: a started scenario is a status, a finished one a line to keep', () => {
  assert.deepEqual(describeProgress({ done: 0, total: 2, current: 'a', phase: 'scenario' }), { status: '[........................] 0/2 a' });
  assert.deepEqual(describeProgress({ done: 1, total: 2, last: res({ name: 'a', mttrMs: 1500 }), phase: 'scenario' }), { line: 'drill [############............] 1/2 1 a: recovered in 1.5 s' });
  assert.deepEqual(describeProgress({ done: 0, total: 2, current: 'clean boot (baseline)', phase: 'baseline' }), { line: 'drill: clean boot (baseline)' });
});

test('a scenario naming a cause outside the shared vocabulary is refused, naming the file', () => {
  const yaml = (cause: string) => `faults:\n  - name: odd\n    inject: { kind: set, set: { memory: 64 } }\n    cause: ${cause}\n    recoverable: true\n`;
  assert.equal(parseDrillFaults(yaml('insufficient-memory'), 'x.yaml').faults[0]?.cause, 'insufficient-memory');
  assert.throws(
    () => parseDrillFaults(yaml('gremlins'), 'x.yaml'),
    (e: unknown) => isBootmedicError(e) && e.code === 'DRILL_BAD_SCENARIOS' && /x\.yaml: faults\.0\.cause/.test(e.message),
  );
});
