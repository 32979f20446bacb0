// The remedy table, one handler at a time, with hand-built contexts (no QEMU, no files):
// each action kind gives the change it should, or refuses with the code the target raises.
// qemu-heal-target.test.ts and test/drill.test.ts prove the changes carried out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVmSpec } from '../config/index.ts';
import type { Remedy } from '../heal/index.ts';
import { changeFor, LAST_GOOD_SNAPSHOT, type HealContext } from './remedy-handlers.ts';
import { patchSpec } from './vm-change.ts';
import type { LastGood } from './vm-config.ts';

const spec = (extra: Record<string, unknown> = {}) => parseVmSpec({ name: 'vm1', guest: 'tiny', accel: 'tcg', memoryMiB: 256, ...extra }, 'test', '/');
const ctx = (over: Partial<HealContext> = {}): HealContext => ({
  spec: spec(),
  lastGood: undefined,
  maxMemoryMiB: 1024,
  previousKernel: undefined,
  goldenDir: '/golden',
  golden: new Map(),
  forensicsDir: '/home/forensics/vm1',
  ...over,
});
const lastGood = (s: Record<string, unknown>) => ({ at: '2026-01-01T00:00:00Z', bootId: 'b1', spec: s }) as unknown as LastGood;
type Action = Remedy['action'];

test('retry changes nothing', () => {
  assert.equal(changeFor(ctx(), { kind: 'retry' }).type, 'none');
});

test('set-memory multiplies the memory, capped at the most healing may give', () => {
  assert.deepEqual(changeFor(ctx(), { kind: 'set-memory', factor: 2 }), { type: 'spec-patch', patch: { set: { memoryMiB: 512 }, unset: [] } });
  assert.deepEqual(changeFor(ctx({ maxMemoryMiB: 300 }), { kind: 'set-memory', factor: 2 }), { type: 'spec-patch', patch: { set: { memoryMiB: 300 }, unset: [] } });
});

test('switch-accel sets the accelerator it names', () => {
  assert.deepEqual(changeFor(ctx(), { kind: 'switch-accel', to: 'kvm' }), { type: 'spec-patch', patch: { set: { accel: 'kvm' }, unset: [] } });
});

test('extend-stall-budget scales the budget and caps the factor at 100', () => {
  const c = ctx({ spec: spec({ stall: { defaultSeconds: 60, floorSeconds: 5, factor: 40, percentile: 95 } }) });
  const change = changeFor(c, { kind: 'extend-stall-budget', factor: 3 });
  assert.deepEqual(change, { type: 'spec-patch', patch: { set: { stall: { defaultSeconds: 180, floorSeconds: 15, factor: 100, percentile: 95 } }, unset: [] } });
});

test('revert-config sets the last good fields and drops those it did not have, leaving the accelerator alone', () => {
  assert.deepEqual(changeFor(ctx(), { kind: 'revert-config' }), { type: 'refused', code: 'RECOVERY_NO_LAST_GOOD', message: 'VM vm1 has no recorded good boot' });
  const c = ctx({ spec: spec({ append: 'panic=1', cpus: 4 }), lastGood: lastGood({ name: 'vm1', memoryMiB: 128, cpus: 1, accel: 'kvm' }) });
  const change = changeFor(c, { kind: 'revert-config' });
  assert.equal(change.type, 'spec-patch');
  if (change.type !== 'spec-patch') return;
  assert.deepEqual(change.patch.set, { memoryMiB: 128, cpus: 1 });
  assert.ok(change.patch.unset.includes('append') && !change.patch.unset.includes('accel'));
  const after = patchSpec(c.spec, change.patch, 'test');
  assert.equal(after.append, undefined);
  assert.equal(after.memoryMiB, 128);
  assert.equal(after.accel, 'tcg');
});

test('previous-kernel boots the known previous kernel, and refuses when none is known', () => {
  assert.deepEqual(changeFor(ctx({ previousKernel: '/boot/vmlinuz.old' }), { kind: 'previous-kernel' }), { type: 'spec-patch', patch: { set: { kernel: '/boot/vmlinuz.old' }, unset: [] } });
  assert.equal((changeFor(ctx(), { kind: 'previous-kernel' }) as { code?: string }).code, 'RECOVERY_UNSUPPORTED');
});

test('rollback-snapshot rolls back the qcow2 disks only', () => {
  const c = ctx({ spec: spec({ disks: [{ path: '/d/root.qcow2', format: 'qcow2' }, { path: '/d/data.img', format: 'raw' }] }) });
  assert.deepEqual(changeFor(c, { kind: 'rollback-snapshot' }), { type: 'snapshot-rollback', disks: ['/d/root.qcow2'], snapshot: LAST_GOOD_SNAPSHOT });
});

test('image-repair: restore-disk copies every disk from its golden source, or refuses naming the missing one', () => {
  const disks = [{ path: '/d/root.qcow2', format: 'qcow2' }, { path: '/d/data.img', format: 'raw' }];
  const action: Action = { kind: 'image-repair', repair: 'restore-disk' };
  const both = new Map([['/d/root.qcow2', '/golden/root.qcow2'], ['/d/data.img', '/golden/data.img']]);
  assert.deepEqual(changeFor(ctx({ spec: spec({ disks }), golden: both }), action), {
    type: 'restore-golden',
    files: [{ path: '/d/root.qcow2', from: '/golden/root.qcow2' }, { path: '/d/data.img', from: '/golden/data.img' }],
  });
  const one = new Map([['/d/root.qcow2', '/golden/root.qcow2']]);
  assert.deepEqual(changeFor(ctx({ spec: spec({ disks }), golden: one }), action), { type: 'refused', code: 'RECOVERY_NO_GOLDEN', message: 'no golden copy of /d/data.img (looked in /golden)' });
  assert.equal((changeFor(ctx(), action) as { code?: string }).code, 'RECOVERY_UNSUPPORTED');
});

test('image-repair: restore-boot-artefacts on a direct kernel boot restores the kernel and initrd, skipping a file that is its own golden copy', () => {
  const c = ctx({ spec: spec({ kernel: '/k/vmlinuz', initrd: '/k/initrd' }), golden: new Map([['/k/vmlinuz', '/golden/vmlinuz'], ['/k/initrd', '/k/initrd']]) });
  assert.deepEqual(changeFor(c, { kind: 'image-repair', repair: 'restore-boot-artefacts' }), { type: 'restore-golden', files: [{ path: '/k/vmlinuz', from: '/golden/vmlinuz' }] });
});

test('image-repair: other repairs run on the first disk, from its golden copy when there is one', () => {
  const c = ctx({ spec: spec({ disks: [{ path: '/d/root.qcow2', format: 'qcow2' }] }), golden: new Map([['/d/root.qcow2', '/golden/root.qcow2']]) });
  assert.deepEqual(changeFor(c, { kind: 'image-repair', repair: 'fsck-root' }), { type: 'image-repair', disk: '/d/root.qcow2', repair: 'fsck-root', from: '/golden/root.qcow2', snapshotDir: '/home/forensics/vm1' });
  assert.deepEqual(changeFor(ctx(), { kind: 'image-repair', repair: 'fsck-root' }), { type: 'refused', code: 'RECOVERY_UNSUPPORTED', message: 'VM vm1 has no disk for repair fsck-root' });
});

test('set-memory asks admission first: refused with the figures when the host cannot hold more, capped when it can hold some', () => {
  const tight = ctx({ hostMemory: { availableMiB: 400, reservedMiB: 0, headroomMiB: 256 } });
  assert.deepEqual(changeFor(tight, { kind: 'set-memory', factor: 2 }), {
    type: 'refused',
    code: 'RECOVERY_NO_MEMORY',
    message: 'more memory for VM vm1: 512 MiB wanted (it has 256 MiB) needs 512 MiB + 256 MiB headroom, host has 400 MiB available',
  });
  const some = ctx({ hostMemory: { availableMiB: 1000, reservedMiB: 300, headroomMiB: 256 } });
  const c = changeFor(some, { kind: 'set-memory', factor: 4 });
  assert.equal(c.type, 'spec-patch');
  assert.deepEqual(c.type === 'spec-patch' && c.patch.set, { memoryMiB: 444 });
  assert.match(c.type === 'spec-patch' ? (c.note ?? '') : '', /^capped at 444 MiB \(1024 MiB wanted\): 444 MiB \+ 256 MiB headroom, host has 700 MiB available \(1000 MiB MemAvailable less 300 MiB reserved/);
  const room = ctx({ hostMemory: { availableMiB: 20000, reservedMiB: 0, headroomMiB: 256 } });
  assert.deepEqual(changeFor(room, { kind: 'set-memory', factor: 2 }), { type: 'spec-patch', patch: { set: { memoryMiB: 512 }, unset: [] } });
});
