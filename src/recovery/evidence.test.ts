import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVmSpec } from '../config/index.ts';
import { diagnose, type Evidence } from '../diagnose/index.ts';
import { applyImageOp } from '../faults/index.ts';
import { base, copy, poke, useBaseImage } from '../../testkit/index.ts';
import { imageLayer } from './evidence.ts';

useBaseImage();
const vm = (path: string, o: Record<string, unknown> = {}) => parseVmSpec({ name: 'v', firmware: 'uefi', disks: [{ path, format: 'raw' }], ...o }, 'v', '/');

test("the lowest damaged layer of the boot disk: clean, the partition table, the root file system, fstab", () => {
  assert.equal(imageLayer(vm(copy())), 'clean');
  const gpt = copy();
  poke(gpt, 0, Buffer.alloc(34 * 512));
  assert.equal(imageLayer(vm(gpt)), 'partition-table', 'a wiped primary GPT, whatever else cannot be read above it');
  const sb = copy();
  poke(sb, base.rootOffset + 1024, Buffer.alloc(1024));
  assert.equal(imageLayer(vm(sb)), 'rootfs');
  const fstab = copy();
  applyImageOp(fstab, 'raw', { op: 'fstab-bad-option', value: 'bogusopt' });
  assert.equal(imageLayer(vm(fstab)), 'fstab');
});

test('no image evidence for a VM that boots a kernel file, or for a disk inspection cannot open', () => {
  assert.equal(imageLayer(vm(copy(), { kernel: '/boot/vmlinuz' })), undefined);
  assert.equal(imageLayer(vm(copy(), { guest: 'tiny' })), undefined);
  assert.equal(imageLayer(vm('/nonexistent/disk.img')), undefined);
});

test('a wiped GPT that sends OVMF to its shell is diagnosed as a corrupt disk once the disk is inspected', () => {
  // The console alone: OVMF found nothing to boot (which a bad boot loader, a missing device or a damaged disk all give).
  const findings = [{ id: 'firmware.ovmf.efi-shell-started', family: 'firmware', severity: 'error' as const, title: 'OVMF: no OS loader started; falling back to the EFI shell' }];
  // As the libvirt drill recorded it: the qcow2 container is sound and its bytes changed since the last good boot.
  const ev: Evidence = {
    findings, phase: 'firmware', status: 'failed', accel: 'tcg', memoryMiB: 1024, qemu: { running: true }, qmp: { RESET: 0 },
    changes: { kernel: 'same', initrd: 'same', cmdline: 'same', memory: 'same', cpus: 'same', disks: 'content-changed', accel: 'same', details: [] },
  };
  const withDisk = diagnose({ ...ev, integrity: { diskCheck: 'ok', imageCheck: 'partition-table' } });
  assert.equal(withDisk.causes[0]?.cause, 'disk-image-corrupt', JSON.stringify(withDisk.causes.slice(0, 3)));
  const clean = diagnose({ ...ev, integrity: { diskCheck: 'ok', imageCheck: 'clean' } });
  assert.notEqual(clean.causes[0]?.cause, 'disk-image-corrupt', 'a clean disk points elsewhere');
});
