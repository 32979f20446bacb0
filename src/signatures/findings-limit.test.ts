import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMIT } from '../core/index.ts';
import { analyzeLog, scanStream } from './index.ts';

const log = `${Array(50).fill('Run /init as init process').join('\n')}\n`;

test('a log hands on at most maxFindings findings and counts the rest', async () => {
  const all = analyzeLog(log);
  assert.ok(all.findings.length >= 2, `the sample log gives ${all.findings.length} findings`);
  assert.equal(analyzeLog(log, { maxFindings: 1 }).findings.length, 1);
  const seen: unknown[] = [];
  const sum = await scanStream([Buffer.from(log)] as unknown as AsyncIterable<Uint8Array>, (f) => seen.push(f), { maxFindings: 1 });
  assert.equal(seen.length, 1);
  assert.equal(sum.findings, all.findings.length, 'the summary still counts every finding');
});

test('the default bound is FINDINGS_PER_BOOT_MAX', () => {
  assert.equal(LIMIT.FINDINGS_PER_BOOT_MAX, 1000);
  assert.equal(analyzeLog(log).findings.length, analyzeLog(log, { maxFindings: LIMIT.FINDINGS_PER_BOOT_MAX }).findings.length);
});
