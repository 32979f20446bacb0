import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVmSpec } from '../config/index.ts';
import { runToolSync } from '../core/index.ts';
import { createDiskOverlay } from '../faults/index.ts';
import { damageInPlace, drillSpec } from './drill-vm.ts';

test('a Debian drill VM boots its own qcow2 disk through UEFI to a login prompt; the Secure Boot variant asks for it', () => {
  const s = drillSpec('bmdrill-x-s001', '/d/disk.qcow2', 'debian');
  assert.equal(s.firmware, 'uefi');
  assert.equal(s.guest, undefined, 'no guest name: the hypervisor would attach the cached image');
  assert.deepEqual(s.disks.map((d) => [d.path, d.format]), [['/d/disk.qcow2', 'qcow2']]);
  assert.deepEqual(s.ready, { type: 'login' });
  assert.equal(s.secureBoot, false);
  assert.equal(drillSpec('v', '/d/disk.qcow2', 'debian', { secureBoot: true }).secureBoot, true);
  assert.equal(drillSpec('v', '/d/disk.qcow2', 'tiny').guest, 'tiny');
});

test("a fault's overlay is committed into the VM's disk: the VM keeps its disk, with the damage in it, and the golden image is untouched", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-drill-vm-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const golden = join(dir, 'golden.qcow2');
  runToolSync('qemu-img', ['create', '-q', '-f', 'qcow2', golden, '4M']);
  const disk = join(dir, 'disk.qcow2');
  createDiskOverlay(golden, 'qcow2', disk);
  const overlay = join(dir, 'fault-disk.qcow2');
  createDiskOverlay(disk, 'qcow2', overlay);
  runToolSync('qemu-io', ['-c', 'write -P 0x5a 0 64k', overlay]);
  const faulty = parseVmSpec({ name: 'v', firmware: 'uefi', memoryMiB: 512, disks: [{ path: overlay, format: 'qcow2' }] }, 'v', '/');

  const r = await damageInPlace(faulty, disk);
  assert.deepEqual(r.spec.disks.map((d) => d.path), [disk]);
  assert.equal(r.spec.memoryMiB, 512, 'the rest of the faulty configuration stays');
  assert.match(r.note ?? '', /committed .*fault-disk\.qcow2 into .*disk\.qcow2/);
  assert.equal(existsSync(overlay), false, 'the overlay is gone');
  assert.equal(runToolSync('qemu-io', ['-c', 'read -P 0x5a 0 64k', disk], { check: false }).code, 0, 'the damage is in the disk');
  assert.equal(runToolSync('qemu-io', ['-c', 'read -P 0 0 64k', golden], { check: false }).code, 0, 'and not in the golden image');
  assert.equal((await damageInPlace(r.spec, disk)).spec, r.spec, 'a VM on its own disk is left as it is');
});
