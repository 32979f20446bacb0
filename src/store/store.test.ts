import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from './index.ts';
import { isBootmedicError } from '../core/index.ts';

const boot = (id: string, status: string, startedAt: string) => ({
  id, vm: 'tiny', imageKey: 'img1', startedAt, status, phase: 'ready', reason: 'ready marker seen', accel: 'tcg', durationMs: 4000,
  timeline: [{ phase: 'kernel', atMs: 100 }, { phase: 'ready', atMs: 4000 }], record: { status },
});

test('store keeps boots across reopen and returns good boots newest first', () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-store-'));
  try {
    let s = openStore({ home });
    s.boots.add(boot('a', 'ready', '2026-01-01T00:00:00Z'));
    s.boots.add(boot('b', 'failed', '2026-01-02T00:00:00Z'));
    s.boots.add(boot('c', 'ready', '2026-01-03T00:00:00Z'));
    s.close();
    s = openStore({ home });
    assert.deepEqual(s.boots.goodBoots({ vm: 'tiny' }).map((b) => b.id), ['c', 'a']);
    assert.deepEqual(s.boots.goodBoots({ imageKey: 'img1' }).map((b) => b.id), ['c', 'a']);
    assert.equal(s.boots.get('b')?.status, 'failed');
    assert.deepEqual(s.boots.get('a')?.timeline[1], { phase: 'ready', atMs: 4000 });
    s.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a file that is not a database gives STORE_OPEN_FAILED naming it', () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-store-'));
  try {
    writeFileSync(join(home, 'bootmedic.db'), 'this is not sqlite '.repeat(100));
    assert.throws(() => openStore({ home }), (e) => isBootmedicError(e, 'STORE_OPEN_FAILED') && e.message.includes('bootmedic.db'));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
