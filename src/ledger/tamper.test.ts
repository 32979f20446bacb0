// One altered byte anywhere (database entry, stored hashes, tile, bundle, checkpoint, key)
// must make verify fail and name the first bad index.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isBootmedicError } from '../core/index.ts';
import { openLedger, verifyExport, ledgerPaths, type LedgerVerifyResult } from './index.ts';
import { builtHome, copyHome } from '../../testkit/index.ts';

// 600 entries in batches of 100: three level-0 tiles (the last partial), seven checkpoints.
let base: { home: string; cleanup: () => void };
before(async () => {
  base = await builtHome(600, 100);
});
after(() => base.cleanup());

function flip(path: string, offset: number): void {
  const b = readFileSync(path);
  b[offset] = b[offset]! ^ 0x01;
  writeFileSync(path, b);
}

async function verifyCopy(alter: (home: string) => void): Promise<LedgerVerifyResult> {
  const c = copyHome(base.home);
  try {
    alter(c.home);
    const ledger = await openLedger({ home: c.home, readOnly: true });
    try {
      return ledger.verify();
    } finally {
      await ledger.close();
    }
  } finally {
    c.cleanup();
  }
}

function assertCaught(r: LedgerVerifyResult, firstBad: number | null, code?: string): void {
  assert.equal(r.ok, false, 'verify must fail');
  assert.equal(r.firstBadIndex, firstBad, JSON.stringify(r.problems));
  if (code !== undefined) assert.ok(r.problems.some((p) => p.code === code), `expected ${code} in ${JSON.stringify(r.problems)}`);
}

test('the untouched copy verifies', async () => {
  const r = await verifyCopy(() => {});
  assert.deepEqual({ ok: r.ok, size: r.size, checkpoints: r.checkpoints, firstBadIndex: r.firstBadIndex }, { ok: true, size: 600, checkpoints: 7, firstBadIndex: null });
});

test('one byte of an entry inside the database file', async () => {
  const r = await verifyCopy((home) => {
    const db = ledgerPaths(home).db;
    const raw = readFileSync(db);
    const at = raw.indexOf('entry number 433"');
    assert.ok(at > 0, 'entry text found in the file');
    flip(db, at + 'entry number '.length);
  });
  assertCaught(r, 433, 'LEDGER_DB_INCONSISTENT');
});

test('one byte of a stored node hash (database row)', async () => {
  const r = await verifyCopy((home) => {
    const db = new DatabaseSync(ledgerPaths(home).db);
    const row = db.prepare('SELECT id, hashes FROM nodes WHERE id = 1').get() as { id: number; hashes: Uint8Array };
    const h = Buffer.from(row.hashes);
    h[32 * 17 + 3] = h[32 * 17 + 3]! ^ 0x80;
    db.prepare('UPDATE nodes SET hashes = ? WHERE id = 1').run(h);
    db.close();
  });
  assertCaught(r, 256 + 17, 'LEDGER_DB_INCONSISTENT');
});

test('one byte of a stored checkpoint (database row)', async () => {
  const r = await verifyCopy((home) => {
    const db = new DatabaseSync(ledgerPaths(home).db);
    const { note } = db.prepare('SELECT note FROM checkpoints WHERE size = 400').get() as { note: string };
    db.prepare('UPDATE checkpoints SET note = ? WHERE size = 400').run(note.replace('\n400\n', '\n401\n'));
    db.close();
  });
  // The checkpoint of size 400 alone vouched for entries 300..399.
  assertCaught(r, 300, 'LEDGER_BAD_SIGNATURE');
});

test('one byte of a tile, an entry bundle, or the tiles checkpoint', async () => {
  assertCaught(await verifyCopy((home) => flip(join(ledgerPaths(home).tiles, 'tile/0/001'), 32 * 10 + 5)), 266, 'LEDGER_BAD_TILE');
  assertCaught(await verifyCopy((home) => flip(join(ledgerPaths(home).tiles, 'tile/1/000.p/2'), 32 + 1)), 256, 'LEDGER_BAD_TILE');
  const bundle = readFileSync(join(ledgerPaths(base.home).tiles, 'tile/entries/002.p/88'));
  const at = bundle.indexOf('entry number 550"');
  assertCaught(await verifyCopy((home) => flip(join(ledgerPaths(home).tiles, 'tile/entries/002.p/88'), at + 13)), 550, 'LEDGER_BAD_TILE');
  // The tiles checkpoint alone vouches for nothing the database does not, but it is what
  // clients read: entries past the previous checkpoint are named.
  assertCaught(await verifyCopy((home) => flip(join(ledgerPaths(home).tiles, 'checkpoint'), 3)), 500, 'LEDGER_BAD_SIGNATURE');
});

test('the public key file or the signing key', async () => {
  const pub = readFileSync(ledgerPaths(base.home).vkey, 'utf8');
  assertCaught(await verifyCopy((home) => flip(ledgerPaths(home).vkey, pub.length - 5)), 0);
  const r = await verifyCopy((home) => flip(ledgerPaths(home).key, 30));
  assert.equal(r.ok, false);
  assert.ok(r.problems.some((p) => p.code === 'LEDGER_BAD_KEY' || p.code === 'LEDGER_KEY_MISMATCH'), JSON.stringify(r.problems));
  // A writer refuses to sign with a damaged key.
  const c = copyHome(base.home);
  try {
    flip(ledgerPaths(c.home).key, 30);
    await assert.rejects(openLedger({ home: c.home }), (e: unknown) => isBootmedicError(e) && /^LEDGER_(BAD_KEY|KEY_MISMATCH)$/.test(e.code));
  } finally {
    c.cleanup();
  }
});

test('every byte of an export matters: each flip fails offline verification', async () => {
  const c = copyHome(base.home);
  try {
    const ledger = await openLedger({ home: c.home, readOnly: true });
    const dir = join(c.home, 'export');
    ledger.export(dir);
    await ledger.close();
    assert.equal(verifyExport(dir).ok, true);
    const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile());
    let flips = 0;
    for (const f of files) {
      const path = join(dir, f);
      const size = statSync(path).size;
      // Small files: every byte. Tiles and bundles: 6 spread positions each.
      const positions = size <= 512 ? Array.from({ length: size }, (_, i) => i) : Array.from({ length: 6 }, (_, i) => Math.floor((i * (size - 1)) / 5));
      for (const pos of positions) {
        flip(path, pos);
        let r: LedgerVerifyResult | undefined;
        try {
          r = verifyExport(dir);
        } catch (e) {
          assert.ok(isBootmedicError(e) && e.code.startsWith('LEDGER_'), `${f}@${pos}: ${String(e)}`);
        }
        if (r !== undefined) {
          assert.equal(r.ok, false, `${f}@${pos} went unnoticed`);
          assert.notEqual(r.firstBadIndex, null, `${f}@${pos}: no index named`);
        }
        flip(path, pos);
        flips++;
      }
    }
    assert.ok(flips > 250);
    assert.equal(verifyExport(dir).ok, true);
  } finally {
    c.cleanup();
  }
});

for (const [what, idx] of [['the last', 599], ['a middle', 250], ['the first', 0]] as const) {
  test(`deleting ${what} entry from the database names that entry as the first bad index`, async () => {
    const r = await verifyCopy((home) => {
      const db = new DatabaseSync(ledgerPaths(home).db);
      db.prepare('DELETE FROM entries WHERE idx = ?').run(idx);
      db.close();
    });
    assertCaught(r, idx, 'LEDGER_DB_INCONSISTENT');
    assert.ok(r.problems.some((p) => p.message.includes(`entry ${idx} is missing`)), JSON.stringify(r.problems));
  });
}
