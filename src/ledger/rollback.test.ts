// A rollback (the ledger folder replaced with an older copy of itself) and a fork (an older
// copy that then grew other entries) leave every hash inside the folder consistent; only a
// checkpoint remembered outside the folder can tell. Verify must report both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openLedger, ledgerPaths, type LedgerVerifyResult } from './index.ts';
import { fill, fixedNow, tempHome } from '../../testkit/index.ts';

const ORIGIN = 'test.bootmedic.local/ledger';

async function verifyHome(home: string, rememberAt?: string[]): Promise<LedgerVerifyResult> {
  const l = await openLedger({ home, readOnly: true, ...(rememberAt ? { rememberAt } : {}) });
  try {
    return l.verify();
  } finally {
    await l.close();
  }
}

/** A home with 200 entries, a copy of its ledger folder at 100 entries, and `extra` remembered files. */
async function grown(extra: string[] = []) {
  const t = tempHome();
  const old = join(t.home, 'old-ledger');
  const l = await openLedger({ home: t.home, origin: ORIGIN, now: fixedNow, rememberAt: extra });
  await fill(l, 100);
  await l.close();
  cpSync(ledgerPaths(t.home).dir, old, { recursive: true });
  const l2 = await openLedger({ home: t.home, origin: ORIGIN, now: fixedNow, rememberAt: extra });
  await fill(l2, 100);
  await l2.close();
  const rollBack = () => {
    rmSync(ledgerPaths(t.home).dir, { recursive: true, force: true });
    cpSync(old, ledgerPaths(t.home).dir, { recursive: true });
  };
  return { ...t, rollBack };
}

test('the latest checkpoint is remembered outside the ledger folder, and an intact log verifies against it', async () => {
  const g = await grown();
  try {
    const remembered = ledgerPaths(g.home).remembered;
    assert.ok(!remembered.startsWith(`${ledgerPaths(g.home).dir}/`), 'outside the ledger folder');
    assert.match(readFileSync(remembered, 'utf8'), /^test\.bootmedic\.local\/ledger\n200\n/);
    const r = await verifyHome(g.home);
    assert.equal(r.ok, true, JSON.stringify(r.problems));
  } finally {
    g.cleanup();
  }
});

test('a ledger folder replaced with an older copy of itself is reported as rolled back', async () => {
  const g = await grown();
  try {
    g.rollBack();
    const r = await verifyHome(g.home);
    assert.equal(r.ok, false);
    assert.ok(r.problems.some((p) => p.code === 'LEDGER_ROLLED_BACK' && /size 200, the log only 100/.test(p.message)), JSON.stringify(r.problems));
    assert.equal(r.firstBadIndex, 100, 'the first entry the rollback lost');
  } finally {
    g.cleanup();
  }
});

test('a rolled-back ledger that grows again (a fork) is reported, and a writer never overwrites the evidence', async () => {
  const g = await grown();
  try {
    const remembered = ledgerPaths(g.home).remembered;
    const evidence = readFileSync(remembered, 'utf8');
    g.rollBack();
    const l = await openLedger({ home: g.home, origin: ORIGIN, now: () => new Date('2026-12-01T00:00:00.000Z') });
    await fill(l, 150);
    await l.close();
    assert.equal(readFileSync(remembered, 'utf8'), evidence, 'the remembered checkpoint is kept');
    const r = await verifyHome(g.home);
    assert.equal(r.ok, false);
    assert.ok(r.problems.some((p) => p.code === 'LEDGER_ROLLED_BACK' && /size 200\) is not a checkpoint of this log/.test(p.message)), JSON.stringify(r.problems));
  } finally {
    g.cleanup();
  }
});

test('an extra remembered path catches the rollback even when the default copy is deleted too', async () => {
  const t0 = tempHome();
  const extra = join(t0.home, 'offsite-checkpoint');
  const g = await grown([extra]);
  try {
    assert.ok(existsSync(extra));
    g.rollBack();
    rmSync(ledgerPaths(g.home).remembered);
    const r = await verifyHome(g.home, [extra]);
    assert.equal(r.ok, false);
    assert.ok(r.problems.some((p) => p.code === 'LEDGER_ROLLED_BACK' && p.message.includes(extra)), JSON.stringify(r.problems));
  } finally {
    g.cleanup();
    t0.cleanup();
  }
});
