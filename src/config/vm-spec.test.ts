import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadVmSpec, parseVmSpec } from './index.ts';
import { isBootmedicError } from '../core/index.ts';

const withFile = (text: string, fn: (path: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-vm-'));
  try {
    const p = join(dir, 'vm.yaml');
    writeFileSync(p, text);
    fn(p);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('a minimal tiny VM gets the documented defaults', () => {
  const s = parseVmSpec({ name: 'tiny', guest: 'tiny' }, 'test', '/base');
  assert.equal(s.memoryMiB, 256);
  assert.equal(s.accel, 'auto');
  assert.deepEqual(s.ready, { type: 'marker', text: 'bootmedic-ready' });
  assert.equal(s.stall.defaultSeconds, 60);
  assert.ok(Object.isFrozen(s));
});

test('relative paths resolve against the VM file folder', () => {
  const s = parseVmSpec({ name: 'x', kernel: 'k/vmlinuz', disks: [{ path: 'd.qcow2' }] }, 'test', '/srv/vms');
  assert.equal(s.kernel, '/srv/vms/k/vmlinuz');
  assert.equal(s.disks[0]?.path, '/srv/vms/d.qcow2');
});

test('a wrong enum value names the field and the allowed values', () => {
  assert.throws(
    () => parseVmSpec({ name: 'x', guest: 'tiny', accel: 'xen' }, 'VM file v.yaml', '/'),
    (e) => isBootmedicError(e, 'CONFIG_VM_INVALID') && /accel: must be one of "auto", "kvm", "tcg"/.test(e.message),
  );
});

test('an unknown field is named', () => {
  assert.throws(
    () => parseVmSpec({ name: 'x', guest: 'tiny', memroyMiB: 512 }, 'VM file v.yaml', '/'),
    (e) => isBootmedicError(e, 'CONFIG_VM_INVALID') && e.message.includes('"memroyMiB"'),
  );
});

test('a VM with nothing to boot is refused', () => {
  assert.throws(() => parseVmSpec({ name: 'x' }, 'v', '/'), (e) => isBootmedicError(e, 'CONFIG_VM_INVALID') && e.message.includes('guest'));
});

test('broken YAML reports the line', () => {
  withFile('name: x\nguest: [tiny\n', (p) => {
    assert.throws(() => loadVmSpec(p), (e) => isBootmedicError(e, 'CONFIG_VM_BAD_YAML') && /line \d+/.test(e.message) && e.message.includes(p));
  });
});

test('a missing VM file names the path', () => {
  assert.throws(() => loadVmSpec('/nonexistent/vm.yaml'), (e) => isBootmedicError(e, 'CONFIG_VM_NOT_FOUND') && e.message.includes('/nonexistent/vm.yaml'));
});

test('requireSignedImages defaults to false, accepts true, and refuses a non-boolean', () => {
  assert.equal(parseVmSpec({ name: 'x', guest: 'tiny' }, 'v', '/').requireSignedImages, false);
  assert.equal(parseVmSpec({ name: 'x', guest: 'tiny', requireSignedImages: true }, 'v', '/').requireSignedImages, true);
  assert.throws(
    () => parseVmSpec({ name: 'x', guest: 'tiny', requireSignedImages: 'yes' }, 'v', '/'),
    (e) => isBootmedicError(e, 'CONFIG_VM_INVALID') && e.message.includes('requireSignedImages'),
  );
});

test('secureBoot defaults to false and is refused without UEFI or on machine pc, naming the field', () => {
  assert.equal(parseVmSpec({ name: 'x', guest: 'debian', firmware: 'uefi' }, 'v', '/').secureBoot, false);
  assert.equal(parseVmSpec({ name: 'x', guest: 'debian', firmware: 'uefi', secureBoot: true }, 'v', '/').secureBoot, true);
  assert.throws(
    () => parseVmSpec({ name: 'x', guest: 'debian', secureBoot: true }, 'VM file v.yaml', '/'),
    (e) => isBootmedicError(e, 'CONFIG_VM_INVALID') && /secureBoot: Secure Boot is a UEFI feature: set firmware: uefi \(firmware is bios\)/.test(e.message),
  );
  assert.throws(
    () => parseVmSpec({ name: 'x', guest: 'debian', firmware: 'uefi', machine: 'pc', secureBoot: true }, 'v', '/'),
    (e) => isBootmedicError(e, 'CONFIG_VM_INVALID') && /secureBoot: .*q35/.test(e.message),
  );
  assert.throws(
    () => parseVmSpec({ name: 'x', guest: 'debian', firmware: 'uefi', secureBoot: 'yes' }, 'v', '/'),
    (e) => isBootmedicError(e, 'CONFIG_VM_INVALID') && e.message.includes('secureBoot'),
  );
});
