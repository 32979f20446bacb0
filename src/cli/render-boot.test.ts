import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findingsFromQmpPanic } from '../signatures/index.ts';
import { LIMIT } from '../core/index.ts';
import type { BootOutcome } from '../supervisor/index.ts';
import { outcomeJson, renderEvent } from './render-boot.ts';
import { paint } from './style.ts';

test('a Windows stop code finding prints its name and its exact parameters in hex', () => {
  const [finding] = findingsFromQmpPanic({ action: 'pause', info: { type: 'hyper-v', arg1: 59, arg2: 3221225477, arg3: '18446735277616529280', arg4: 0, arg5: 0 } });
  const text = renderEvent({ type: 'finding', vm: 'win', bootId: 'b', finding: { ...finding!, atMs: 1200 } }, paint(false)) ?? '';
  assert.match(text, /fatal windows-bugcheck: Windows stop SYSTEM_SERVICE_EXCEPTION \(0x0000003B\)/);
  assert.match(text, /parameters 0xC0000005 0xFFFFF7FFFFFFFF80 0x00000000 0x00000000$/);
});

test('boot --json bounds evidence like every report: REPORT_EVIDENCE_LINES_MAX per finding and for the verdict, the rest counted', () => {
  const ev = (n: number) => Array.from({ length: n }, (_, k) => ({ line: k + 1, text: `line ${k}` }));
  const [finding] = findingsFromQmpPanic({ action: 'pause' });
  const o = { findings: [{ ...finding!, evidence: ev(LIMIT.REPORT_EVIDENCE_LINES_MAX + 5) }], evidence: ev(LIMIT.REPORT_EVIDENCE_LINES_MAX + 9), timeline: [] } as unknown as BootOutcome;
  const j = outcomeJson(o) as { findings: { evidence: unknown[]; evidenceNotShown: number }[]; evidence: unknown[]; evidenceNotShown: number };
  assert.equal(j.findings[0]!.evidence.length, LIMIT.REPORT_EVIDENCE_LINES_MAX);
  assert.equal(j.findings[0]!.evidenceNotShown, 5);
  assert.equal(j.evidence.length, LIMIT.REPORT_EVIDENCE_LINES_MAX);
  assert.equal(j.evidenceNotShown, 9);
});
