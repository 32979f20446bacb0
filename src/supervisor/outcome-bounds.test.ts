// outcome.json is a report: evidence lines per finding and the file's bytes are bounded, and
// what is cut is said, pointing at the console log.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LIMIT } from '../core/index.ts';
import type { Finding } from '../signatures/index.ts';
import { recordOutcome } from './open-boot.ts';
import type { BootOutcome } from './outcome.ts';
import type { SupervisorDeps } from './supervise.ts';

test('an outcome with too many findings and evidence lines is written bounded: ≤ REPORT_FILE_MAX_BYTES, valid JSON, with the markers', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-outcome-'));
  try {
    const ev = (n: number) => Array.from({ length: n }, (_, k) => ({ line: k + 1, text: `[ ${k}.000000] ${'call trace frame '.repeat(12)}` }));
    const finding = (i: number): Finding => ({ id: `kernel.oops.${i}`, family: 'kernel-oops', title: `oops ${i}`, component: 'kernel', layer: 'guest-kernel', severity: 'error', phase: 'kernel', stopsBoot: false, evidence: ev(80) });
    const findings = Array.from({ length: LIMIT.FINDINGS_PER_BOOT_MAX }, (_, i) => finding(i));
    const consoleLog = join(dir, 'console.log');
    const outcome = {
      bootId: 'b1', vm: 'vm', status: 'failed', phase: 'kernel', reason: 'oops', cause: 'finding', findings, timeline: [], accel: 'tcg', accelReason: 'test',
      durationMs: 1, startedAt: 'now', evidence: ev(300), qmpEvents: [], qemu: { pid: 1, exitCode: null, signal: null, stderr: '' }, resets: 0,
      stallBudget: { learnedFrom: 0, currentPhaseMs: 0 }, runDir: dir, consoleLog, imageKey: 'k',
    } as BootOutcome;
    await recordOutcome(outcome, {} as SupervisorDeps, dir);
    const text = readFileSync(join(dir, 'outcome.json'), 'utf8');
    assert.ok(Buffer.byteLength(text) <= LIMIT.REPORT_FILE_MAX_BYTES, `${Buffer.byteLength(text)} bytes`);
    const j = JSON.parse(text) as { evidence: unknown[]; evidenceNotShown: number; findings: { evidence: unknown[]; evidenceNotShown: number }[]; truncated: { list: string; notShown: number; note: string }[] };
    assert.equal(j.evidence.length, LIMIT.REPORT_EVIDENCE_LINES_MAX);
    assert.equal(j.evidenceNotShown, 300 - LIMIT.REPORT_EVIDENCE_LINES_MAX);
    assert.ok(j.findings.every((f) => f.evidence.length === LIMIT.REPORT_EVIDENCE_LINES_MAX && f.evidenceNotShown === 80 - LIMIT.REPORT_EVIDENCE_LINES_MAX));
    const cut = j.truncated.find((t) => t.list === 'findings');
    assert.ok(cut, JSON.stringify(j.truncated));
    assert.equal(j.findings.length + cut.notShown, LIMIT.FINDINGS_PER_BOOT_MAX);
    assert.equal(cut.note, `… ${cut.notShown} more findings not shown; see ${consoleLog}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
