import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LIMIT } from './limits.ts';
import { boundEvidence, boundJson, boundText } from './report-bounds.ts';

const bytes = (s: string) => Buffer.byteLength(s);
const finding = (i: number, lines: number) => ({ id: `rule.${i}`, title: `finding ${i}`, evidence: Array.from({ length: lines }, (_, k) => ({ line: k + 1, text: `line ${k} of finding ${i} ` + 'x'.repeat(80) })) });

test('boundEvidence keeps REPORT_EVIDENCE_LINES_MAX lines per finding and counts the rest', () => {
  const [a, b] = boundEvidence([finding(1, LIMIT.REPORT_EVIDENCE_LINES_MAX + 7), finding(2, 3)]);
  assert.equal(a!.evidence.length, LIMIT.REPORT_EVIDENCE_LINES_MAX);
  assert.equal(a!.evidenceNotShown, 7);
  assert.equal(b!.evidence.length, 3);
  assert.equal(b!.evidenceNotShown, undefined);
});

test('an oversized outcome-like report is cut to REPORT_FILE_MAX_BYTES, stays valid JSON and says what is not shown', () => {
  const n = 3000; // ~5.7 KB each after the evidence bound: ~17 MB unbounded
  const report = { bootId: 'b1', status: 'failed', findings: boundEvidence(Array.from({ length: n }, (_, i) => finding(i, 60))) };
  const out = boundJson(report, { see: '/runs/b1/console.log' });
  assert.ok(bytes(out) <= LIMIT.REPORT_FILE_MAX_BYTES, `${bytes(out)} bytes`);
  const j = JSON.parse(out) as { bootId: string; findings: unknown[]; truncated: { list: string; notShown: number; note: string }[] };
  assert.equal(j.bootId, 'b1');
  const cut = j.truncated.find((t) => t.list === 'findings');
  assert.ok(cut);
  assert.equal(j.findings.length + cut.notShown, n);
  assert.equal(cut.note, `… ${cut.notShown} more findings not shown; see /runs/b1/console.log`);
  // The cut keeps most of the budget: not a report halved far below its bound.
  assert.ok(bytes(out) > LIMIT.REPORT_FILE_MAX_BYTES * 0.8, `${bytes(out)} bytes`);
});

test('a report within the bound is written whole', () => {
  const report = { findings: [finding(1, 2)] };
  assert.equal(boundJson(report, { see: 'x' }), `${JSON.stringify(report, null, 2)}\n`);
  assert.equal(boundText('short\n', { see: 'x' }), 'short\n');
});

test('boundText cuts at a line end, within the bound, and names the bytes left out', () => {
  const text = Array.from({ length: 2000 }, (_, i) => `| ${i} | überprüfung ✓ |`).join('\n');
  const out = boundText(text, { see: 'report.json', maxBytes: 4096 });
  assert.ok(bytes(out) <= 4096);
  const m = /\n… (\d+) more bytes not shown; see report\.json\n$/.exec(out);
  assert.ok(m, out.slice(-200));
  const head = out.slice(0, m.index);
  assert.ok(text.startsWith(head));
  assert.equal(bytes(head) + Number(m[1]), bytes(text));
});

test('property: boundJson and boundText never exceed their bound and JSON stays parseable', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ t: fc.string({ maxLength: 40 }), ev: fc.array(fc.string({ maxLength: 30 }), { maxLength: 30 }) }), { maxLength: 200 }),
      fc.integer({ min: 300, max: 6000 }),
      (items, max) => {
        const j = boundJson({ id: 'r', items }, { see: 'console.log', maxBytes: max });
        assert.ok(bytes(j) <= max);
        JSON.parse(j);
        const t = boundText(items.map((i) => `${i.t} ${i.ev.join(' ')}`).join('\n'), { see: 'console.log', maxBytes: max });
        assert.ok(bytes(t) <= max);
      },
    ),
    { numRuns: 200 },
  );
});
