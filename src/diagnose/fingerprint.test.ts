import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { computeFingerprint, diffFingerprints, fingerprintOf, parseMeminfo, readHostState, type Fingerprint } from './index.ts';
import { cmdlineChange } from './fingerprint.ts';
import { historyFrom } from './index.ts';

const base = (over: Partial<Omit<Fingerprint, 'id'>> = {}) =>
  fingerprintOf({ kernel: { path: '/k', sha256: 'aa' }, initrd: { path: '/i', sha256: 'bb' }, cmdline: 'console=ttyS0 root=/dev/vda1', memoryMiB: 256, cpus: 1, accel: 'tcg', disks: [{ path: '/d.qcow2', format: 'qcow2', sha256: 'cc' }], ...over });

test('the fingerprint id covers every field and nothing else', () => {
  assert.equal(base().id, base().id);
  assert.notEqual(base().id, base({ memoryMiB: 512 }).id);
  assert.notEqual(base().id, base({ cmdline: 'console=ttyS0 root=/dev/vda2' }).id);
  assert.match(base().id, /^[0-9a-f]{64}$/);
});

test('an unchanged configuration diffs as all same', () => {
  const d = diffFingerprints(base(), base());
  assert.deepEqual({ ...d, details: undefined }, { kernel: 'same', initrd: 'same', cmdline: 'same', memory: 'same', cpus: 'same', disks: 'same', accel: 'same', details: undefined });
  assert.deepEqual(d.details, []);
});

test('each kind of change is named, with before and after', () => {
  const d = diffFingerprints(base(), base({ memoryMiB: 80, initrd: undefined, kernel: { path: '/k', sha256: null }, accel: 'kvm', disks: [] }));
  assert.equal(d.memory, 'decreased');
  assert.equal(d.initrd, 'removed');
  assert.equal(d.kernel, 'missing');
  assert.equal(d.accel, 'changed');
  assert.equal(d.disks, 'removed');
  assert.deepEqual(d.details.find((x) => x.field === 'memoryMiB'), { field: 'memoryMiB', before: '256', after: '80' });
  assert.equal(diffFingerprints(base(), base({ kernel: { path: '/k', sha256: 'zz' } })).kernel, 'changed');
  assert.equal(diffFingerprints(base(), base({ disks: [{ path: '/d.qcow2', format: 'qcow2', sha256: 'dd' }] })).disks, 'content-changed');
  assert.equal(diffFingerprints(base(), base({ disks: [{ path: '/d.qcow2', format: 'qcow2' }] })).disks, 'same', 'an unhashed disk is not compared by content');
  assert.equal(diffFingerprints(base(), base({ disks: [{ path: '/d.qcow2', format: 'qcow2', sha256: null }] })).disks, 'missing');
});

test('a firmware change is reported with before and after, but only when both sides recorded one', () => {
  const d = diffFingerprints(base({ firmware: 'bios' }), base({ firmware: 'uefi' }));
  assert.deepEqual(d.details.find((x) => x.field === 'firmware'), { field: 'firmware', before: 'bios', after: 'uefi' });
  assert.equal(diffFingerprints(base({ firmware: 'uefi' }), base({ firmware: 'uefi' })).details.length, 0);
  assert.equal(diffFingerprints(base(), base({ firmware: 'uefi' })).details.length, 0, 'a last good boot from before firmware was recorded is not a change');
});

test('a command-line change is split into root/init parameters and the rest', () => {
  assert.equal(cmdlineChange('console=ttyS0 root=/dev/vda1', 'console=ttyS0 root=/dev/vda2'), 'changed-root');
  assert.equal(cmdlineChange('console=ttyS0', 'console=ttyS0 init=/bin/false'), 'changed-root');
  assert.equal(cmdlineChange('console=ttyS0', 'console=ttyS0 bootmedic.fault=panic'), 'changed-other');
  assert.equal(cmdlineChange('console=ttyS0 quiet', 'console=ttyS0'), 'changed-other');
  assert.equal(cmdlineChange('a b', 'a b'), 'same');
});

test('computeFingerprint hashes the kernel and initrd and notices a missing file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-fp-'));
  try {
    const k = join(dir, 'vmlinuz');
    const i = join(dir, 'initrd');
    writeFileSync(k, 'kernel bytes');
    writeFileSync(i, 'initrd bytes');
    const input = { kernel: k, initrd: i, cmdline: 'console=ttyS0', memoryMiB: 256, cpus: 1, accel: 'tcg', disks: [{ path: join(dir, 'd.raw'), format: 'raw' }] };
    writeFileSync(join(dir, 'd.raw'), 'disk');
    const good = await computeFingerprint(input, { hashDisks: true });
    assert.equal(good.kernel?.sha256, createHash('sha256').update('kernel bytes').digest('hex'));
    assert.match(good.disks[0]!.sha256 ?? '', /^[0-9a-f]{64}$/);
    writeFileSync(i, 'truncated');
    unlinkSync(k);
    const bad = await computeFingerprint(input, { hashDisks: true });
    const d = diffFingerprints(good, bad);
    assert.equal(d.kernel, 'missing');
    assert.equal(d.initrd, 'changed');
    assert.equal(d.disks, 'same');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('host state: /proc/meminfo is parsed, and the live reading is sane', () => {
  assert.deepEqual(parseMeminfo('MemTotal:        4046788 kB\nMemFree:          123456 kB\nMemAvailable:    2048000 kB\n'), { memAvailableMiB: 2000, memTotalMiB: 3952 });
  assert.deepEqual(parseMeminfo('MemTotal: 2048 kB\nMemFree: 1024 kB\n'), { memAvailableMiB: 1, memTotalMiB: 2 });
  assert.equal(parseMeminfo('garbage'), undefined);
  const h = readHostState(tmpdir());
  assert.ok(h.memTotalMiB > 0 && h.memAvailableMiB <= h.memTotalMiB);
  assert.ok(h.cpus >= 1 && h.load1 >= 0);
  assert.ok(h.diskTotalMiB >= h.diskFreeMiB);
});

test('history counts other VMs by their latest boot in the window', () => {
  const b = (vm: string, imageKey: string, status: string, startedAt: string) => ({ vm, imageKey, status, startedAt });
  const boots = [
    b('me', 'img', 'failed', '2026-01-01T10:00:00Z'),
    b('a', 'img', 'failed', '2026-01-01T09:00:00Z'),
    b('a', 'img', 'ready', '2026-01-01T09:30:00Z'), // recovered since: not failing
    b('b', 'img', 'failed', '2026-01-01T09:40:00Z'),
    b('c', 'other', 'stalled', '2026-01-01T09:50:00Z'),
    b('d', 'img', 'failed', '2025-12-01T00:00:00Z'), // before the window
  ];
  assert.deepEqual(historyFrom(boots, { vm: 'me', imageKey: 'img', since: '2026-01-01T00:00:00Z' }), { sameImageFailingVms: 1, hostFailingVms: 2 });
});
