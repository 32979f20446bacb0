import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { LIMIT } from '../core/index.ts';
import type { Finding } from '../signatures/index.ts';
import { createFindingWriter } from './finding-writer.ts';

const finding = (i: number, lines: number): Finding => ({
  id: `rule.${i}`, family: 'kernel-oops', title: `oops ${i}`, component: 'kernel', layer: 'guest-kernel', severity: 'error', phase: 'kernel', stopsBoot: false,
  evidence: Array.from({ length: lines }, (_, k) => ({ line: k + 1, text: `frame ${k} ${'x'.repeat(100)}` })),
});

async function written(json: boolean, n: number, lines: number, maxBytes: number, total = n): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const w = createFindingWriter(out, json, false, maxBytes);
  for (let i = 0; i < n; i++) w.finding(finding(i, lines));
  w.end({ findings: total, corrupted: false, lastPhase: 'kernel', lines: n * lines, stopsBoot: false });
  await new Promise((r) => setImmediate(r));
  return text;
}

test('analyze --json output stays within its byte bound, keeps REPORT_EVIDENCE_LINES_MAX lines per finding and counts what it left out', async () => {
  const max = 256 << 10;
  const text = await written(true, 400, 70, max, 1400);
  assert.ok(Buffer.byteLength(text) <= max, `${Buffer.byteLength(text)} bytes`);
  const j = JSON.parse(text) as { findings: { evidence: unknown[]; evidenceNotShown: number }[]; findingsNotShown: number; note: string };
  assert.ok(j.findings.length > 0 && j.findings.length < 400);
  assert.ok(j.findings.every((f) => f.evidence.length === LIMIT.REPORT_EVIDENCE_LINES_MAX && f.evidenceNotShown === 70 - LIMIT.REPORT_EVIDENCE_LINES_MAX));
  // The findings past the engine's count (1400 seen, 400 handed on) and those past the byte bound.
  assert.equal(j.findings.length + j.findingsNotShown, 1400);
  assert.equal(j.note, `… ${j.findingsNotShown} more findings not shown; see the console log`);
});

test('the human output says how many lines and findings it left out', async () => {
  const text = await written(false, 50, 60, 64 << 10);
  assert.ok(Buffer.byteLength(text) <= 64 << 10);
  assert.match(text, /… 10 more lines not shown; see the console log/);
  assert.match(text, /\n… \d+ more findings not shown; see the console log\n/);
  const small = await written(false, 2, 3, 64 << 10);
  assert.doesNotMatch(small, /not shown/);
});
