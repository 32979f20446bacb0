// The recorded consoles and the fault catalogue agree: analysing each fault's real console
// offline yields the finding the catalogue expects (faults decided by QMP or by time —
// boot loops, stalls — are checked by test/boot-faults.test.ts on real QEMU instead).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadCatalogue } from '../src/faults/index.ts';
import { analyzeLog } from '../src/signatures/index.ts';
import { recordingPath } from './console-replayer.ts';

const logOf = (name: string) => recordingPath(name).replace(/\.jsonl$/, '.log');

for (const fault of loadCatalogue().filter((f) => f.expected.outcome === 'failed' && f.expected.family !== 'boot-loop' && f.expected.error === undefined)) {
  test(`recorded ${fault.name} console shows ${fault.expected.finding ?? fault.expected.family}`, { skip: existsSync(logOf(fault.name)) ? false : `testkit/consoles/${fault.name}.log not recorded` }, () => {
    const r = analyzeLog(readFileSync(logOf(fault.name)));
    const fatal = r.findings.filter((f) => f.stopsBoot);
    assert.ok(fatal.length > 0, 'a finding that stops the boot');
    assert.ok(r.findings.some((f) => f.family === fault.expected.family), `families: ${r.findings.map((f) => f.family).join(', ')}`);
    if (fault.expected.finding) assert.ok(r.findings.some((f) => f.id === fault.expected.finding), `ids: ${r.findings.map((f) => f.id).join(', ')}`);
  });
}

test('the recorded good boot has no finding that stops a boot, and reaches ready', { skip: existsSync(logOf('good')) ? false : 'good.log not recorded' }, () => {
  const r = analyzeLog(readFileSync(logOf('good')));
  assert.deepEqual(r.findings.filter((f) => f.stopsBoot), []);
  assert.equal(r.lastPhase, 'ready');
});
