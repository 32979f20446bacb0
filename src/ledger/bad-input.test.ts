// Bad input gives one typed LEDGER_* error or a failed verify naming the problem: never a
// crash, never a silent pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isBootmedicError } from '../core/index.ts';
import { generateSkey, openLedger, ledgerPaths, parseSkey, verifyExport, verifyInclusion } from './index.ts';
import { builtHome, copyHome, tempHome } from '../../testkit/index.ts';

let base: { home: string; cleanup: () => void };
before(async () => {
  base = await builtHome(300, 150);
});
after(() => base.cleanup());

/** Opening and verifying must end in a typed ledger error or a failed verify. */
async function assertRefused(home: string): Promise<string> {
  try {
    const ledger = await openLedger({ home, readOnly: true });
    try {
      const r = ledger.verify();
      assert.equal(r.ok, false, 'verify must not pass');
      return r.problems[0]!.code;
    } finally {
      await ledger.close();
    }
  } catch (e) {
    assert.ok(isBootmedicError(e) && e.code.startsWith('LEDGER_'), `untyped failure: ${String(e)}`);
    return e.code;
  }
}

test('a truncated database is refused', async () => {
  for (const keep of [0.1, 0.5, 0.9]) {
    const c = copyHome(base.home);
    try {
      const db = ledgerPaths(c.home).db;
      truncateSync(db, Math.floor(statSync(db).size * keep));
      const code = await assertRefused(c.home);
      assert.match(code, /^LEDGER_(DB_UNREADABLE|DB_INCONSISTENT|BAD_TILE|INCONSISTENT)$/);
    } finally {
      c.cleanup();
    }
  }
});

test('a corrupted or foreign database file is refused with LEDGER_DB_UNREADABLE', async () => {
  const c = copyHome(base.home);
  try {
    const db = ledgerPaths(c.home).db;
    const b = readFileSync(db);
    b.fill(0x5a, 0, 100); // the SQLite header
    writeFileSync(db, b);
    assert.equal(await assertRefused(c.home), 'LEDGER_DB_UNREADABLE');
    writeFileSync(db, 'this is not a database at all\n'.repeat(200));
    assert.equal(await assertRefused(c.home), 'LEDGER_DB_UNREADABLE');
    await assert.rejects(openLedger({ home: c.home }), { code: 'LEDGER_DB_UNREADABLE' });
  } finally {
    c.cleanup();
  }
});

test('a wrong key: another log key, or a key readable by others', async () => {
  const c = copyHome(base.home);
  try {
    const paths = ledgerPaths(c.home);
    writeFileSync(paths.key, `${generateSkey('test.bootmedic.local/ledger')}\n`, { mode: 0o600 });
    await assert.rejects(openLedger({ home: c.home }), { code: 'LEDGER_KEY_MISMATCH' });
    copyFileSync(join(base.home, 'ledger', 'key'), paths.key);
    chmodSync(paths.key, 0o644);
    await assert.rejects(openLedger({ home: c.home }), { code: 'LEDGER_BAD_KEY' });
    chmodSync(paths.key, 0o600);
    const ledger = await openLedger({ home: c.home });
    await ledger.append({ type: 'drill', data: 'after the fix' });
    const dir = join(c.home, 'export');
    ledger.export(dir);
    await ledger.close();
    // Verifying an export with another log's public key fails: no signature from that key.
    const other = parseSkey(generateSkey('test.bootmedic.local/ledger')).vkey;
    const r = verifyExport(dir, { vkey: other });
    assert.equal(r.ok, false);
    assert.equal(r.problems[0]?.code, 'LEDGER_NO_SIGNATURE');
    assert.equal(r.firstBadIndex, 0);
  } finally {
    c.cleanup();
  }
});

test('a checkpoint from another origin is refused', async (t) => {
  const other = tempHome();
  t.after(other.cleanup);
  const a = await openLedger({ home: other.home, origin: 'other.example/log' });
  await a.append({ type: 'drill', data: 1 });
  const otherDir = join(other.home, 'export');
  a.export(otherDir);
  await a.close();
  const c = copyHome(base.home);
  t.after(c.cleanup);
  const ledger = await openLedger({ home: c.home, readOnly: true });
  const dir = join(c.home, 'export');
  ledger.export(dir);
  await ledger.close();
  // Asking for another origin than the checkpoint carries.
  const r1 = verifyExport(dir, { origin: 'other.example/log' });
  assert.equal(r1.problems[0]?.code, 'LEDGER_WRONG_ORIGIN');
  // Swapping in the other log's checkpoint and key while expecting ours.
  copyFileSync(join(otherDir, 'checkpoint'), join(dir, 'checkpoint'));
  copyFileSync(join(otherDir, 'vkey'), join(dir, 'vkey'));
  const r2 = verifyExport(dir, { origin: 'test.bootmedic.local/ledger' });
  assert.equal(r2.ok, false);
  assert.equal(r2.problems[0]?.code, 'LEDGER_WRONG_ORIGIN');
  // Its checkpoint placed in our ledger's tiles folder is caught too.
  copyFileSync(join(otherDir, 'checkpoint'), join(c.home, 'ledger', 'tiles', 'checkpoint'));
  assert.equal(await assertRefused(c.home), 'LEDGER_NO_SIGNATURE');
});

test('a proof for a different size is refused or fails to verify', async () => {
  const ledger = await openLedger({ home: base.home, readOnly: true });
  try {
    assert.throws(() => ledger.inclusionProof(5, 301), { code: 'LEDGER_BAD_RANGE' });
    assert.throws(() => ledger.consistencyProof(10, 400), { code: 'LEDGER_BAD_RANGE' });
    const p = ledger.inclusionProof(5, 200);
    assert.equal(verifyInclusion(5, 200, p.leafHash, p.proof, ledger.rootAt(200)), null);
    assert.notEqual(verifyInclusion(5, 300, p.leafHash, p.proof, ledger.rootAt(300)), null);
    assert.notEqual(verifyInclusion(5, 200, p.leafHash, p.proof, ledger.rootAt(300)), null);
    await assert.rejects(ledger.append({ type: 'drill', data: 1 }), { code: 'LEDGER_READ_ONLY' });
  } finally {
    await ledger.close();
  }
});
