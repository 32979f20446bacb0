import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFileAtomic, writeFileAtomic } from './atomic-write.ts';

const withDir = (fn: (dir: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-atomic-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('writeFileAtomic replaces the whole file, creates its folder, keeps the mode, and leaves no temporary file', () =>
  withDir((dir) => {
    const p = join(dir, 'vms', 'vm1', 'healing.json');
    writeFileAtomic(p, 'old');
    writeFileAtomic(p, 'new content', { mode: 0o600 });
    assert.equal(readFileSync(p, 'utf8'), 'new content');
    assert.equal(statSync(p).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, 'vms', 'vm1')), ['healing.json']);
  }));

test('a write that cannot finish leaves the old file whole and no temporary file', () =>
  withDir((dir) => {
    const p = join(dir, 'state.json');
    writeFileAtomic(p, '{"ok":true}');
    // The target is a folder now: the rename fails after the data was written.
    const d = join(dir, 'busy');
    mkdirSync(join(d, 'child'), { recursive: true });
    assert.throws(() => writeFileAtomic(d, 'x'));
    assert.deepEqual(readdirSync(dir).sort(), ['busy', 'state.json']);
    assert.equal(readFileSync(p, 'utf8'), '{"ok":true}');
  }));

test('copyFileAtomic copies byte for byte and a missing source changes nothing', () =>
  withDir((dir) => {
    const src = join(dir, 'golden-vmlinuz');
    const dest = join(dir, 'vmlinuz');
    writeFileSync(src, Buffer.from([0, 1, 2, 255]));
    writeFileSync(dest, 'damaged');
    assert.throws(() => copyFileAtomic(join(dir, 'absent'), dest));
    assert.equal(readFileSync(dest, 'utf8'), 'damaged');
    copyFileAtomic(src, dest);
    assert.deepEqual(readFileSync(dest), Buffer.from([0, 1, 2, 255]));
    assert.deepEqual(readdirSync(dir).sort(), ['golden-vmlinuz', 'vmlinuz']);
  }));
