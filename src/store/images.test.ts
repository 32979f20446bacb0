import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openStore, type StoredImage } from './index.ts';

const image = (over: Partial<StoredImage> = {}): StoredImage => ({
  id: 'deb@1', name: 'deb', version: '1', path: '/img/deb.qcow2', sha256: 'a'.repeat(64),
  artefacts: [{ kind: 'kernel', path: '/EFI/debian/vmlinuz', size: 3, sha256: 'b'.repeat(64) }],
  origin: 'test', state: 'candidate', addedAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', ...over,
});

test('images survive a reopen with state, boot proofs, signature and last-known-good; migration 3 is recorded', () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-img-store-'));
  try {
    let s = openStore({ home });
    s.images.add(image());
    s.images.add(image({ id: 'deb@2', version: '2', sha256: 'c'.repeat(64), addedAt: '2026-01-02T00:00:00Z' }));
    s.images.update({ ...image(), state: 'tested', testedBoot: 'boot-1', signature: { alg: 'ed25519', publicKey: 'PEM', value: 'sig', signedAt: 'now' } });
    s.images.setLastKnownGood({ vm: 'v', imageId: 'deb@1', bootId: 'boot-1', at: 't1' });
    s.images.setLastKnownGood({ vm: 'v', imageId: 'deb@2', bootId: 'boot-2', at: 't2' });
    s.close();
    s = openStore({ home });
    const got = s.images.get('deb@1');
    assert.equal(got?.state, 'tested');
    assert.equal(got?.testedBoot, 'boot-1');
    assert.equal(got?.goldenBoot, undefined);
    assert.equal(got?.signature?.value, 'sig');
    assert.deepEqual(got?.artefacts, image().artefacts);
    assert.deepEqual(s.images.byName('deb').map((i) => i.id), ['deb@2', 'deb@1']);
    assert.deepEqual(s.images.bySha256('c'.repeat(64)).map((i) => i.id), ['deb@2']);
    assert.equal(s.images.lastKnownGood('v')?.imageId, 'deb@2');
    assert.throws(() => s.images.add(image({ id: 'other' })), /UNIQUE/);
    s.close();
    const db = new DatabaseSync(join(home, 'bootmedic.db'));
    assert.equal((db.prepare("SELECT version FROM schema_version WHERE name = 'images'").get() as { version: number }).version, 3);
    db.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
