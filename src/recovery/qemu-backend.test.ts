// The QEMU backend carrying out each kind of VmChange on real files (and real qemu-img for
// the snapshot kinds; those skip where qemu-img is missing). Boots are proven by
// qemu-heal-target.test.ts (replayed) and test/drill.test.ts (real QEMU).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseVmSpec } from '../config/index.ts';
import { isBootmedicError } from '../core/index.ts';
import { createOverlay } from '../hypervisor/index.ts';
import type { SupervisorDeps } from '../supervisor/index.ts';
import { tempHome } from '../../testkit/index.ts';
import { createQemuBackend } from './qemu-backend.ts';
import { LAST_GOOD_SNAPSHOT } from './remedy-handlers.ts';

// apply, keepGoodState and hasGoodState never touch the supervisor's dependencies.
const backend = createQemuBackend({} as SupervisorDeps);
const noQemuImg = spawnSync('qemu-img', ['--version']).status === 0 ? false : 'qemu-img is not installed';

const withDir = (fn: (dir: string) => Promise<void>) => async () => {
  const { home, cleanup } = tempHome();
  await fn(home).finally(cleanup);
};

test('a spec patch returns the changed, validated configuration; a bad one is bad input', async () => {
  const spec = parseVmSpec({ name: 'vm1', guest: 'tiny', accel: 'tcg', memoryMiB: 256, append: 'quiet' }, 'test', '/');
  const after = await backend.apply({ type: 'spec-patch', patch: { set: { memoryMiB: 512 }, unset: ['append'] } }, spec);
  assert.equal(after.memoryMiB, 512);
  assert.equal(after.append, undefined);
  assert.equal(spec.memoryMiB, 256, 'the old configuration is not changed in place');
  await assert.rejects(backend.apply({ type: 'spec-patch', patch: { set: { memoryMiB: -1 }, unset: [] } }, spec), (e) => isBootmedicError(e) && /memoryMiB/.test(e.message));
});

test('restore-golden copies each file back from its golden source', withDir(async (dir) => {
  const disk = join(dir, 'root.img');
  const gold = join(dir, 'golden.img');
  writeFileSync(disk, 'damaged');
  writeFileSync(gold, 'golden bytes');
  const spec = parseVmSpec({ name: 'vm1', accel: 'tcg', disks: [{ path: disk, format: 'raw' }] }, 'test', '/');
  assert.equal(await backend.apply({ type: 'restore-golden', files: [{ path: disk, from: gold }] }, spec), spec);
  assert.equal(readFileSync(disk, 'utf8'), 'golden bytes');
}));

test('an image repair that finds nothing to do is RECOVERY_UNSUPPORTED naming the disk', withDir(async (dir) => {
  const disk = join(dir, 'blank.img');
  writeFileSync(disk, Buffer.alloc(1 << 20));
  const spec = parseVmSpec({ name: 'vm1', accel: 'tcg', disks: [{ path: disk, format: 'raw' }] }, 'test', '/');
  await assert.rejects(
    backend.apply({ type: 'image-repair', disk, repair: 'fix-fstab', from: undefined, snapshotDir: join(dir, 'forensics') }, spec),
    (e) => isBootmedicError(e) && e.code === 'RECOVERY_UNSUPPORTED' && e.message.includes(disk),
  );
}));

test('the good state of qcow2 disks is kept as a snapshot, seen, and rolled back to', { skip: noQemuImg }, withDir(async (dir) => {
  const base = join(dir, 'base.img');
  const disk = join(dir, 'root.qcow2');
  writeFileSync(base, Buffer.alloc(1 << 20));
  await createOverlay(base, 'raw', disk);
  const spec = parseVmSpec({ name: 'vm1', accel: 'tcg', disks: [{ path: disk, format: 'qcow2' }] }, 'test', '/');
  assert.equal(await backend.hasGoodState(spec), false);
  await assert.rejects(backend.apply({ type: 'snapshot-rollback', disks: [disk], snapshot: LAST_GOOD_SNAPSHOT }, spec));
  await backend.keepGoodState(spec);
  await backend.keepGoodState(spec); // a second good boot replaces the snapshot
  assert.equal(await backend.hasGoodState(spec), true);
  assert.equal(await backend.apply({ type: 'snapshot-rollback', disks: [disk], snapshot: LAST_GOOD_SNAPSHOT }, spec), spec);
}));
