// The dashboard's adapters (web/src/adapt.ts) on JSON shaped as the server sends it
// (src/server/schemas.ts of `bootmedic serve`, docs/api.md), and on the first draft's field
// names, which they still accept; and the fleet's order (failed first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explanationLines, fleetOrder, markdownBlocks, toBootRow, toConsole, toEntries, toHandOver, toIncident, toIncidentList, toLedgerHead, toProof } from '../web/index.ts';

test('a boot summary becomes a row without a timeline (the page then fetches it); a detail brings it and the cause', () => {
  const summary = toBootRow({ id: 'web1-1', vm: 'web1', imageKey: 'k', startedAt: '2026-12-07T03:00:00.000Z', status: 'failed', phase: 'kernel', reason: 'kernel panic', accel: 'tcg', durationMs: 5200 });
  assert.equal(summary.bootId, 'web1-1');
  assert.equal(summary.hasTimeline, false);
  assert.equal(summary.phase, 'kernel');
  const detail = toBootRow({ id: 'web1-1', status: 'failed', reason: 'x', startedAt: 's', durationMs: 1, timeline: [{ phase: 'firmware', atMs: 0 }, { phase: 'kernel', atMs: 1200 }], cause: { layer: 'kernel', component: 'rootfs' } });
  assert.equal(detail.hasTimeline, true);
  assert.deepEqual(detail.timeline, [{ phase: 'firmware', atMs: 0 }, { phase: 'kernel', atMs: 1200 }]);
  assert.equal(detail.cause, 'rootfs');
  assert.equal(toBootRow({ bootId: 'b', cause: 'kernel-panic', timeline: [] }).cause, 'kernel-panic', 'the draft shape');
});

test('a console cut to its end keeps the line numbers of the findings', () => {
  const c = toConsole({ bootId: 'b', text: 'third\nfourth\nKernel panic\n', firstLine: 3, truncated: true, findings: [{ line: 5, findingId: 'kernel.panic', title: 'panic' }] });
  assert.deepEqual(c.lines, [{ no: 3, text: 'third' }, { no: 4, text: 'fourth' }, { no: 5, text: 'Kernel panic' }]);
  assert.deepEqual(c.findingLines, [5]);
  assert.deepEqual(toConsole({ lines: [{ no: 1, text: 'a' }], findingLines: [1] }).lines, [{ no: 1, text: 'a' }], 'the draft shape');
});

test("an incident: the posterior's leading causes highest first, the explanation as lines, steps with their outcome", () => {
  const i = toIncident({
    id: 'inc-1', vm: 'web1', status: 'open', bootId: 'b1', openedAt: '2026-12-07T03:00:05.000Z', detectedAt: '2026-12-07T03:00:05.000Z', state: 'trying',
    posterior: [{ cause: 'transient', probability: 0.001 }, { cause: 'root-device-missing', probability: 0.77 }, { cause: 'rootfs-corrupt', probability: 0.22 }, { cause: 'kernel-missing', probability: 0.002 }, { cause: 'oom', probability: 0.004 }],
    diagnosis: {
      causes: [],
      explanation: { summary: 'root-device-missing (77%) over rootfs-corrupt', evidence: [{ evidence: 'kernel.panic.vfs-root', detail: 'VFS cannot mount root', forTop: 6.2, raised: [{ cause: 'root-device-missing', bits: 6.2 }], lowered: [{ cause: 'rootfs-corrupt', bits: -1.25 }] }], versus: {} },
    },
    steps: [
      { seq: 1, remedy: 'restore-vm-config', state: 'done', outcome: 'failed', startedAt: 'a', finishedAt: 'b', detail: {} },
      { seq: 2, remedy: 'previous-kernel', state: 'done', outcome: 'fixed', startedAt: 'c', finishedAt: 'd', detail: { status: 'ready', bootId: 'b2' } },
      { seq: 3, remedy: 'golden-restore', state: 'started', startedAt: 'e' },
    ],
    attempts: 2,
    forensics: ['snap-1', 'snap-2'],
  });
  assert.deepEqual(i.causes.map((c) => c.cause), ['root-device-missing', 'rootfs-corrupt', 'oom'], 'the top three; nothing else reaches 1 %');
  assert.deepEqual(i.explanation, ['root-device-missing (77%) over rootfs-corrupt', 'VFS cannot mount root: root-device-missing +6.2 bits, rootfs-corrupt -1.3 bits']);
  assert.deepEqual(i.steps.map((s) => [s.status, s.result ?? '', s.endedAt ?? '']), [['failed', '', 'b'], ['fixed', 'boot ready (b2)', 'd'], ['running', '', '']]);
  assert.equal(i.forensic, 'snap-1, snap-2');
  assert.equal(i.handOver, undefined);
  assert.equal(i.evidence.length, 0, 'the evidence comes from the boot (api.ts fetches it)');
  const handed = toIncident({ id: 'inc-2', vm: 'v', status: 'handed-over', reason: 'no remedy left', detectedAt: 'x', posterior: [], steps: [] });
  assert.deepEqual(handed.handOver, { reason: 'no remedy left' });
  assert.deepEqual(explanationLines(['already', 'lines']), ['already', 'lines']);
});

test('the incident list merges open and recent, open first, each once', () => {
  const open = { id: 'inc-2', vm: 'a', status: 'open', openedAt: 'x', detectedAt: 'x', topCause: { cause: 'c', probability: 0.5 } };
  const closed = { id: 'inc-1', vm: 'b', status: 'recovered', openedAt: 'y', detectedAt: 'y', closedAt: 'z', mttrMs: 9000 };
  const list = toIncidentList({ open: [open], recent: [open, closed] });
  assert.deepEqual(list.map((i) => [i.id, i.status, i.mttrMs]), [['inc-2', 'open', undefined], ['inc-1', 'recovered', 9000]]);
  assert.deepEqual(toIncidentList([closed]).map((i) => i.id), ['inc-1'], 'the draft shape: a plain array');
});

test('the ledger: vkey as the public key, entries unwrapped, the proof with the entry bytes', () => {
  assert.deepEqual(toLedgerHead({ origin: 'o', size: 5, checkpoint: 'note', checkpointSize: 5, root: 'r', vkey: 'o+abcd1234+AAAA' }), { size: 5, checkpoint: 'note', publicKey: 'o+abcd1234+AAAA' });
  const entries = toEntries({ size: 2, entries: [{ index: 0, entry: { schema: 's', type: 'boot', vm: 'web1', at: 't', data: { n: 0 } } }, { index: 1, entry: null }] });
  assert.deepEqual(entries.map((e) => [e.index, e.type, e.vm]), [[0, 'boot', 'web1'], [1, '?', undefined]]);
  const p = toProof({ index: 1, size: 5, entry: '{"a":1}', leafHash: 'AA==', root: 'r', proof: ['x', 'y'], checkpoint: 'note' });
  assert.equal(p.entry, '{"a":1}');
  assert.deepEqual(p.proof, ['x', 'y']);
});

test('the fleet puts failed, stalled and handed-over VMs first, then healing, booting, ready; by name within', () => {
  const vms = [
    { name: 'a-ready', state: 'ready' }, { name: 'b-booting', state: 'booting' }, { name: 'z-failed', state: 'failed' },
    { name: 'c-healing', state: 'healing' }, { name: 'a-stalled', state: 'stalled' }, { name: 'd-stopped', state: 'stopped' },
  ];
  assert.deepEqual([...vms].sort(fleetOrder).map((v) => v.name), ['a-stalled', 'z-failed', 'c-healing', 'b-booting', 'd-stopped', 'a-ready']);
});

test('the forensic references stay a list; the hand-over report merges over the row and its Markdown reads as blocks, never HTML', () => {
  const i = toIncident({ id: 'inc-3', vm: 'v', status: 'handed-over', reason: 'attempt budget used up', detectedAt: 'x', posterior: [], steps: [], forensics: ['/h/forensics/inc-3/step-1', '/h/forensics/inc-3/step-2'] });
  assert.deepEqual(i.forensics, ['/h/forensics/inc-3/step-1', '/h/forensics/inc-3/step-2']);
  assert.deepEqual(toIncident({ id: 'inc-4', vm: 'v', status: 'open', detectedAt: 'x' }).forensics, []);
  const md = '# Incident inc-3: v handed over\n\nReason: no applicable remedy left\n\n## Steps\n- 1. restore-vm-config: failed\n- 2. golden-restore: failed\n\n## Forensic copies\n- /h/forensics/inc-3/step-1\n<script>alert(1)</script>\n';
  const h = toHandOver({ incidentId: 'inc-3', markdown: md, report: { reason: 'no applicable remedy left', forensicSnapshots: ['/h/forensics/inc-3/step-1', 7], lastBoot: 'v-b9' } }, i.handOver);
  assert.equal(h.reason, 'no applicable remedy left', "the report's reason wins over the row's");
  assert.deepEqual(h.forensicSnapshots, ['/h/forensics/inc-3/step-1'], 'only string references');
  assert.equal(h.lastBoot, 'v-b9');
  assert.deepEqual(toHandOver({ markdown: '# x', report: null }, { reason: 'from the row' }), { reason: 'from the row', markdown: '# x' });
  const blocks = markdownBlocks(md);
  assert.deepEqual(blocks.map((b) => b.kind), ['h1', 'p', 'h2', 'ul', 'h2', 'ul', 'p']);
  assert.deepEqual(blocks[3], { kind: 'ul', items: ['1. restore-vm-config: failed', '2. golden-restore: failed'] });
  assert.deepEqual(blocks[6], { kind: 'p', text: '<script>alert(1)</script>' }, 'HTML in the report stays text');
});
