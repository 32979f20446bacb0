import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from './sqlite.ts';
import { bootsMigration } from './boots.ts';
import { incidentRepo, incidentsMigration } from './incidents.ts';

const open = (home: string) => {
  const h = openSqlite(home, [bootsMigration, incidentsMigration]);
  return { h, repo: incidentRepo(h.db) };
};

test('incidents and their steps survive a reopen, and step states advance started → applied → done', () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-inc-'));
  try {
    let { h, repo } = open(home);
    repo.open({ id: 'i1', vm: 'tiny', detectedAt: 1000, openedAt: 1001, bootId: 'b1', diagnosis: { causes: [{ cause: 'transient', probability: 1 }] } });
    repo.startStep({ incidentId: 'i1', seq: 1, remedy: 'retry', startedAt: 1100 });
    repo.markApplied('i1', 1);
    repo.finishStep('i1', 1, 'failed', 1200, { status: 'failed' });
    repo.startStep({ incidentId: 'i1', seq: 2, remedy: 'more-memory', startedAt: 1300, detail: { forensic: 'snap-1' } });
    repo.markApplied('i1', 2);
    h.close();
    ({ h, repo } = open(home));
    const inc = repo.findOpen('tiny');
    assert.equal(inc?.id, 'i1');
    assert.equal(inc?.bootId, 'b1');
    assert.deepEqual(inc?.diagnosis, { causes: [{ cause: 'transient', probability: 1 }] });
    const steps = repo.steps('i1');
    assert.deepEqual(steps.map((s) => [s.seq, s.remedy, s.state, s.outcome]), [[1, 'retry', 'done', 'failed'], [2, 'more-memory', 'applied', undefined]]);
    assert.deepEqual(steps[1]?.detail, { forensic: 'snap-1' });
    assert.equal(repo.attemptsSince('tiny', 1150), 1);
    assert.equal(repo.attemptsSince('tiny', 0), 2);
    assert.equal(repo.attemptsSince('other', 0), 0);
    repo.finishStep('i1', 2, 'fixed', 1400);
    repo.close('i1', { status: 'recovered', closedAt: 1400, mttrMs: 400, fixedBy: 'more-memory', reason: 'ready after more-memory' });
    assert.equal(repo.findOpen('tiny'), undefined);
    const closed = repo.get('i1');
    assert.equal(closed?.status, 'recovered');
    assert.equal(closed?.mttrMs, 400);
    assert.deepEqual(repo.steps('i1')[1]?.detail, { forensic: 'snap-1' }, 'finishing without detail keeps the earlier detail');
    assert.deepEqual(repo.list({ vm: 'tiny' }).map((i) => i.id), ['i1']);
    h.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a step cannot be recorded twice under the same sequence number', () => {
  const { h, repo } = open(mkdtempSync(join(tmpdir(), 'bm-inc-')));
  try {
    repo.open({ id: 'i1', vm: 'tiny', detectedAt: 1, openedAt: 1, diagnosis: {} });
    repo.startStep({ incidentId: 'i1', seq: 1, remedy: 'retry', startedAt: 2 });
    assert.throws(() => repo.startStep({ incidentId: 'i1', seq: 1, remedy: 'retry', startedAt: 3 }), /UNIQUE|constraint/i);
  } finally {
    h.close();
    rmSync(h.path.replace(/\/bootmedic\.db$/, ''), { recursive: true, force: true });
  }
});
