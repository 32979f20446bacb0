import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { readCpio, writeCpio, writeCpioGz, type CpioEntry } from './cpio.ts';

test('newc writer round-trips dirs, files, symlinks and device nodes with 4-byte alignment', () => {
  const entries: CpioEntry[] = [
    { type: 'dir', path: 'bin', mode: 0o755 },
    { type: 'chardev', path: 'dev/console', major: 5, minor: 1, mode: 0o600 },
    { type: 'file', path: 'bin/busybox', data: new Uint8Array([1, 2, 3, 4, 5]), mode: 0o755 },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
    { type: 'file', path: 'init', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
  ];
  const buf = writeCpio(entries);
  assert.equal(buf.length % 4, 0);
  assert.equal(Buffer.from(buf.subarray(0, 6)).toString('ascii'), '070701');
  assert.deepEqual(readCpio(buf), entries.map((e) => (e.type === 'file' ? { ...e, data: new Uint8Array(e.data) } : e)));
  assert.deepEqual(readCpio(gunzipSync(writeCpioGz(entries))), readCpio(buf));
});

test('writer refuses paths that climb out of the archive', () => {
  assert.throws(() => writeCpio([{ type: 'dir', path: '../etc' }]), /bad entry path/);
});
