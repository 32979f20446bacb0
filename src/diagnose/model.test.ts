import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { isBootmedicError } from '../core/index.ts';
import { DEFAULT_MODEL_PATH, diagnose, loadModel } from './index.ts';

const shipped = () => parse(readFileSync(DEFAULT_MODEL_PATH, 'utf8')) as Record<string, any>;

function withModel(mutate: (m: Record<string, any>) => void | string, check: (path: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), 'bm-model-'));
  try {
    const m = shipped();
    const raw = mutate(m);
    const path = join(dir, 'model.yaml');
    writeFileSync(path, typeof raw === 'string' ? raw : stringify(m));
    check(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rejects = (mutate: (m: Record<string, any>) => void | string, pattern: RegExp) =>
  withModel(mutate, (path) =>
    assert.throws(
      () => diagnose({ findings: [], phase: 'kernel', status: 'failed' }, loadModel(path)),
      (e) => isBootmedicError(e, 'DIAGNOSE_BAD_MODEL') && e.message.includes(path) && pattern.test(e.message),
    ),
  );

test('the shipped model loads and every cause has a prior', () => {
  const m = loadModel(DEFAULT_MODEL_PATH);
  assert.equal(m.causes.length, 13);
  assert.ok(Math.abs(m.prior.reduce((a, b) => a + b, 0) - 1) < 1e-9);
});

test('malformed model files are refused with the file and the field named', () => {
  rejects(() => 'causes: [unclosed', /line \d+/);
  rejects((m) => void (m.causes['no-such-cause'] = { prior: 0.1, title: 'x' }), /unknown cause "no-such-cause"/);
  rejects((m) => void delete m.causes['transient'], /cause "transient" has no prior/);
  rejects((m) => void (m.variables.phase.given.transient.kernel = 1.5), /variables\.phase\.given\.transient\.kernel/);
  rejects((m) => void (m.variables.phase.given.transient.teatime = 0.1), /variables\.phase\.given\.transient: unknown state "teatime"/);
  rejects((m) => void (m.variables.status.given['martian'] = { failed: 0.5 }), /variables\.status\.given: unknown cause "martian"/);
  rejects((m) => void delete m.variables.hostLoad, /variables\.hostLoad is missing/);
  rejects((m) => void (m.variables.status.states = ['failed', 'stalled', 'bored']), /variables\.status\.states must be exactly/);
  rejects((m) => void (m.findingClasses[0].match = { text: '(' }), /bad regular expression/);
  rejects((m) => void (m.findingClasses[0].present.default = 0), /findingClasses\.0\.present\.default/);
  rejects((m) => void (m.findingClasses[0].present['nope'] = 0.5), /unknown cause "nope"/);
  rejects((m) => void (m.version = 2), /version/);
});

test('a missing model file is refused with its path', () => {
  assert.throws(() => loadModel('/nonexistent/model.yaml'), (e) => isBootmedicError(e, 'DIAGNOSE_BAD_MODEL') && e.message.includes('/nonexistent/model.yaml'));
});

test('a row may leave states out; they get the floor and the row is normalised', () => {
  withModel(
    (m) => void (m.variables.status.given['transient'] = { failed: 0.3 }),
    (path) => {
      const model = loadModel(path);
      const row = ['failed', 'stalled'].map((s) => model.variables.get('status')!.table.get(s)![0]!);
      assert.ok(Math.abs(row[0]! + row[1]! - 1) < 1e-12);
      assert.ok(row[1]! < 0.01);
    },
  );
});
