// Witness cosignatures live in the ledger's own database, so a rollback of the ledger folder
// takes them back too; the cosigned checkpoint a witness keeps outside the folder does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSkey, keepCosigned, ledgerPaths, openLedger, parseSkey, SIG_TYPE, type LedgerVerifyResult } from './index.ts';
import { fill, fixedNow, runCli, tempHome } from '../../testkit/index.ts';

const ORIGIN = 'test.bootmedic.local/ledger';
const WITNESS = generateSkey('witness.example/w1', SIG_TYPE.cosignatureV1);

async function verifyHome(home: string, witnessDirs: string[], witnessKeys: string[] = []): Promise<LedgerVerifyResult> {
  const l = await openLedger({ home, readOnly: true, witnessDirs, witnessKeys });
  try {
    return l.verify();
  } finally {
    await l.close();
  }
}

/** 100 entries copied aside as the "older copy", then 100 more, cosigned by a witness that keeps its copy in `witnessDir`. */
async function witnessedAt200() {
  const t = tempHome();
  const w = tempHome();
  const witnessDir = join(w.home, 'w1');
  const old = join(t.home, 'old-ledger');
  const l = await openLedger({ home: t.home, origin: ORIGIN, now: fixedNow });
  await fill(l, 100);
  await l.close();
  cpSync(ledgerPaths(t.home).dir, old, { recursive: true });
  const l2 = await openLedger({ home: t.home, origin: ORIGIN, now: fixedNow });
  await fill(l2, 100);
  const note = l2.cosign(WITNESS);
  keepCosigned(witnessDir, note, parseSkey(WITNESS));
  await l2.close();
  // Only the witness's copy is left as evidence: the log's own remembered checkpoint is gone too.
  const rollBack = () => {
    rmSync(ledgerPaths(t.home).dir, { recursive: true, force: true });
    cpSync(old, ledgerPaths(t.home).dir, { recursive: true });
    rmSync(ledgerPaths(t.home).remembered, { force: true });
  };
  return { home: t.home, witnessDir, rollBack, cleanup: () => (t.cleanup(), w.cleanup()) };
}

test('an intact log verifies against the cosigned checkpoint a witness keeps outside the folder, also after it grew', async () => {
  const g = await witnessedAt200();
  try {
    assert.match(readFileSync(join(g.witnessDir, 'witness.example_w1.checkpoint'), 'utf8'), /^test\.bootmedic\.local\/ledger\n200\n[\s\S]*— witness\.example\/w1 /);
    const l = await openLedger({ home: g.home, origin: ORIGIN, now: fixedNow });
    await fill(l, 50);
    await l.close();
    const r = await verifyHome(g.home, [g.witnessDir]);
    assert.equal(r.ok, true, JSON.stringify(r.problems));
  } finally {
    g.cleanup();
  }
});

test('a ledger folder replaced with an older copy is LEDGER_ROLLED_BACK, naming the witness whose cosigned checkpoint is newer', async () => {
  const g = await witnessedAt200();
  try {
    g.rollBack();
    const r = await verifyHome(g.home, [g.witnessDir]);
    assert.equal(r.ok, false);
    const p = r.problems.find((x) => x.code === 'LEDGER_ROLLED_BACK');
    assert.ok(p, JSON.stringify(r.problems));
    assert.match(p.message, /^witness witness\.example\/w1 cosigned checkpoint size 200 .* the log only has 100: the ledger was rolled back/);
    assert.equal(r.firstBadIndex, 100);
    // Without the witness folder nothing inside or beside the folder tells.
    assert.equal((await verifyHome(g.home, [])).ok, true);
  } finally {
    g.cleanup();
  }
});

test('a rolled-back log that grew past the witnessed size (a fork) fails the consistency proof against the witnessed checkpoint', async () => {
  const g = await witnessedAt200();
  try {
    g.rollBack();
    const l = await openLedger({ home: g.home, origin: ORIGIN, now: () => new Date('2026-12-01T00:00:00.000Z') });
    await fill(l, 150);
    await l.close();
    rmSync(ledgerPaths(g.home).remembered, { force: true });
    const r = await verifyHome(g.home, [g.witnessDir]);
    assert.equal(r.ok, false);
    assert.ok(r.problems.some((p) => p.code === 'LEDGER_ROLLED_BACK' && /witness\.example\/w1 cosigned checkpoint size 200 .*not consistent with it/.test(p.message)), JSON.stringify(r.problems));
  } finally {
    g.cleanup();
  }
});

test('a cosignature that no known witness key verifies is reported, and the checkpoint still counts as the log\'s own', async () => {
  const g = await witnessedAt200();
  try {
    rmSync(join(g.witnessDir, 'witness.example_w1.vkey'));
    g.rollBack();
    const r = await verifyHome(g.home, [g.witnessDir]);
    assert.ok(r.problems.some((p) => p.code === 'LEDGER_BAD_COSIGNATURE'), JSON.stringify(r.problems));
    assert.ok(r.problems.some((p) => p.code === 'LEDGER_ROLLED_BACK' && /unverified witness/.test(p.message)), JSON.stringify(r.problems));
    // Given on the command line instead, the key verifies it again.
    const r2 = await verifyHome(g.home, [g.witnessDir], [parseSkey(WITNESS).vkey]);
    assert.ok(!r2.problems.some((p) => p.code === 'LEDGER_BAD_COSIGNATURE'), JSON.stringify(r2.problems));
  } finally {
    g.cleanup();
  }
});

test('CLI: checkpoint --cosign keeps the witness copy outside the folder; verify --witness-dir reports the rollback with exit 1', async () => {
  const t = tempHome();
  const w = tempHome();
  try {
    const home = ['--home', t.home];
    assert.equal((await runCli([...home, 'ledger', 'append', '--type', 'note', '--data', '{"n":1}'])).code, 0);
    cpSync(ledgerPaths(t.home).dir, join(t.home, 'old'), { recursive: true });
    assert.equal((await runCli([...home, 'ledger', 'append', '--type', 'note', '--data', '{"n":2}'])).code, 0);
    const key = join(w.home, 'w.key');
    writeFileSync(key, `${WITNESS}\n`, { mode: 0o600 });
    const dir = join(w.home, 'witness');
    const c = await runCli([...home, 'ledger', 'checkpoint', '--cosign', key, '--witness-dir', dir]);
    assert.equal(c.code, 0, c.stderr);
    assert.ok(existsSync(join(dir, 'witness.example_w1.checkpoint')));
    assert.ok(existsSync(join(ledgerPaths(t.home).witnesses, 'witness.example_w1.checkpoint')), 'and in <home>/ledger-witnesses');
    rmSync(ledgerPaths(t.home).dir, { recursive: true });
    cpSync(join(t.home, 'old'), ledgerPaths(t.home).dir, { recursive: true });
    rmSync(ledgerPaths(t.home).remembered);
    rmSync(ledgerPaths(t.home).witnesses, { recursive: true });
    const v = await runCli([...home, 'ledger', 'verify', '--witness-dir', dir]);
    assert.equal(v.code, 1, v.stdout + v.stderr);
    assert.match(v.stdout, /LEDGER_ROLLED_BACK: witness witness\.example\/w1 cosigned checkpoint size 2 .*the log only has 1/);
    const bad = await runCli([...home, 'ledger', 'verify', '--witness-dir', join(w.home, 'nope')]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /witness folder .*nope/);
  } finally {
    t.cleanup();
    w.cleanup();
  }
});
