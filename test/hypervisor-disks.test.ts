// Real qemu-img: per-boot overlays leave the base untouched; named snapshots and check.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isBootmedicError } from '../src/core/index.ts';
import { checkImage, createOverlay, createSnapshot, imageInfo, listSnapshots, revertSnapshot } from '../src/hypervisor/index.ts';
import { runDir } from './hypervisor-helpers.ts';

/** Writes `text` at offset 0 of a qcow2 image through qemu-io, as a running guest would. */
function writeAt0(image: string, byte: number): void {
  const r = spawnSync('qemu-io', ['-f', 'qcow2', '-c', `write -P ${byte} 0 4096`, image], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

function readAt0(image: string): string {
  const r = spawnSync('qemu-io', ['-f', 'qcow2', '-r', '-c', 'read -v 0 16', image], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n')[0] ?? '';
}

test('an overlay takes the writes; the raw base stays byte-identical', async () => {
  const dir = runDir('disks');
  try {
    const base = join(dir, 'base.raw');
    writeFileSync(base, Buffer.alloc(1 << 20, 0x11));
    const overlay = join(dir, 'boot.qcow2');
    await createOverlay(base, 'raw', overlay);
    const info = await imageInfo(overlay);
    assert.equal(info['backing-filename'], base);
    writeAt0(overlay, 0x22);
    assert.match(readAt0(overlay), /22 22 22 22/);
    assert.deepEqual(readFileSync(base), Buffer.alloc(1 << 20, 0x11));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('named snapshots: create, list, revert; a missing name is HV_SNAPSHOT_MISSING; check reports clean', async () => {
  const dir = runDir('snap');
  try {
    const img = join(dir, 'vm.qcow2');
    assert.equal(spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', img, '1M']).status, 0);
    writeAt0(img, 0x33);
    await createSnapshot(img, 'known-good');
    writeAt0(img, 0x44);
    assert.deepEqual((await listSnapshots(img)).map((s) => s.name), ['known-good']);
    await revertSnapshot(img, 'known-good');
    assert.match(readAt0(img), /33 33 33 33/);
    await assert.rejects(revertSnapshot(img, 'nope'), (e) => isBootmedicError(e, 'HV_SNAPSHOT_MISSING') && e.message.includes('known-good'));
    const c = await checkImage(img);
    assert.equal(c.ok, true);
    assert.equal(c.corruptions, 0);
    await assert.rejects(createOverlay(join(dir, 'absent.raw'), 'raw', join(dir, 'x.qcow2')), (e) => isBootmedicError(e, 'HV_DISK_MISSING'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
