import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { unpackDeb, unpackDir } from './debs.ts';

test('a longer member list unpacks into its own folder, so a module added later is found', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-debs-'));
  try {
    const pkg = join(dir, 'pkg');
    mkdirSync(join(pkg, 'DEBIAN'), { recursive: true });
    mkdirSync(join(pkg, 'lib'));
    writeFileSync(join(pkg, 'DEBIAN', 'control'), 'Package: bm-test\nVersion: 1\nArchitecture: all\nMaintainer: t <t@t>\nDescription: t\n');
    writeFileSync(join(pkg, 'lib', 'a.ko'), 'a');
    writeFileSync(join(pkg, 'lib', 'b.ko'), 'b');
    const deb = join(dir, 'bm-test_1_all.deb');
    execFileSync('dpkg-deb', ['--build', '--root-owner-group', pkg, deb], { stdio: 'ignore' });
    const root = join(dir, 'unpacked');
    const first = ['./lib/a.ko'];
    const second = ['./lib/a.ko', './lib/b.ko'];
    await unpackDeb(deb, unpackDir(root, deb, first), first);
    await unpackDeb(deb, unpackDir(root, deb, second), second);
    assert.notEqual(unpackDir(root, deb, first), unpackDir(root, deb, second));
    assert.equal(unpackDir(root, deb, second), unpackDir(root, deb, [...second]));
    assert.ok(existsSync(join(unpackDir(root, deb, second), 'lib', 'b.ko')));
    assert.equal(existsSync(join(unpackDir(root, deb, first), 'lib', 'b.ko')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
