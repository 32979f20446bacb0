import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertCommandLineFits, GUEST_CMDLINE_RESERVE, kernelCommandLine, loadVmSpec, parseVmSpec } from './index.ts';
import { isBootmedicError, LIMIT } from '../core/index.ts';

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

test('a YAML alias bomb in a VM file is CONFIG_VM_BAD_YAML, not a crash', () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h'].entries()) lines.push(`${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`);
  withFile(`name: x\nguest: tiny\n${lines.join('\n')}\n`, (p) => {
    assert.throws(() => loadVmSpec(p), (e) => isBootmedicError(e, 'CONFIG_VM_BAD_YAML') && e.exitClass === 'input' && /aliases/.test(e.message) && e.message.includes(p));
  });
});

test('a VM file past VM_FILE_MAX_BYTES is refused before it is read', () => {
  withFile(`name: x\nguest: tiny\n# ${'x'.repeat(LIMIT.VM_FILE_MAX_BYTES)}\n`, (p) => {
    assert.throws(() => loadVmSpec(p), (e) => isBootmedicError(e, 'FILE_TOO_LARGE') && e.exitClass === 'input' && e.message.includes(p));
  });
});

test('a command line past COMMAND_LINE_SIZE is refused at validation, naming the field, the length and the limit', () => {
  const bad = (v: Record<string, unknown>, re: RegExp) =>
    assert.throws(() => parseVmSpec({ name: 'x', ...v }, 'VM file v.yaml', '/'), (e) => isBootmedicError(e, 'CONFIG_VM_INVALID') && re.test(e.message), JSON.stringify(v).slice(0, 80));
  // The tiny guest's default line counts: GUEST_CMDLINE_RESERVE + 1 space + append.
  const room = LIMIT.KERNEL_CMDLINE_MAX_BYTES - GUEST_CMDLINE_RESERVE - 1;
  assert.equal(parseVmSpec({ name: 'x', guest: 'tiny', append: 'a'.repeat(room) }, 'v', '/').append?.length, room);
  bad({ guest: 'tiny', append: 'a'.repeat(room + 1) }, new RegExp(`append: the kernel command line would be 2048 bytes \\(${GUEST_CMDLINE_RESERVE} of them bootmedic's default\\), more than the x86 limit of 2047`));
  bad({ guest: 'tiny', append: 'a'.repeat(5000) }, /append: the kernel command line would be 5513 bytes .*more than the x86 limit of 2047/);
  bad({ guest: 'tiny', append: 'a'.repeat(200_000) }, /append/);
  bad({ kernel: '/k', cmdline: 'c'.repeat(1500), append: 'a'.repeat(600) }, /append: the kernel command line would be 2101 bytes, more than/);
  bad({ kernel: '/k', cmdline: 'c'.repeat(2048) }, /cmdline/);
  assert.equal(kernelCommandLine({ kernel: '/k', append: 'quiet' }, undefined), 'console=ttyS0,115200 quiet');
  assert.throws(() => assertCommandLineFits('VM x', 'a'.repeat(2048)), (e) => isBootmedicError(e, 'CONFIG_VM_INVALID') && /2048 bytes/.test(e.message));
});

test('disks, qemuArgs and strings are bounded', () => {
  const disks = Array.from({ length: LIMIT.VM_MAX_DISKS + 1 }, (_, i) => ({ path: `/d${i}`, format: 'raw' }));
  assert.throws(() => parseVmSpec({ name: 'x', disks }, 'v', '/'), (e) => isBootmedicError(e, 'CONFIG_VM_INVALID') && /disks/.test(e.message));
  assert.throws(() => parseVmSpec({ name: 'x', guest: 'tiny', qemuArgs: Array(LIMIT.QEMU_MAX_EXTRA_ARGS + 1).fill('-s') }, 'v', '/'), (e) => isBootmedicError(e, 'CONFIG_VM_INVALID') && /qemuArgs/.test(e.message));
  assert.throws(() => parseVmSpec({ name: 'x', kernel: `/${'k'.repeat(LIMIT.VM_MAX_STRING_LENGTH)}` }, 'v', '/'), (e) => isBootmedicError(e, 'CONFIG_VM_INVALID') && /kernel/.test(e.message));
});

test('qos defaults to burstable; guaranteed and limits are accepted; a bad class names the allowed ones', () => {
  assert.equal(parseVmSpec({ name: 'a', kernel: '/k' }, 't', '/').qos, 'burstable');
  const g = parseVmSpec({ name: 'a', kernel: '/k', qos: 'guaranteed', limits: { cpus: 0.5, memoryMiB: 512, iops: 100 }, admissionHeadroomMiB: 64 }, 't', '/');
  assert.equal(g.qos, 'guaranteed');
  assert.deepEqual(g.limits, { cpus: 0.5, memoryMiB: 512, iops: 100 });
  assert.throws(() => parseVmSpec({ name: 'a', kernel: '/k', qos: 'gold' }, 't', '/'), (e: Error) => /qos: must be one of "guaranteed", "burstable"/.test(e.message));
  assert.throws(() => parseVmSpec({ name: 'a', kernel: '/k', limits: { disk: 1 } }, 't', '/'), (e: Error) => /limits: unknown field\(s\) "disk"/.test(e.message));
});
