import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVmSpec } from '../../config/index.ts';
import { isBootmedicError } from '../../core/index.ts';
import { domainEditFor } from './backend.ts';

const base = parseVmSpec({ name: 'web', libvirt: { uri: 'qemu:///system', domain: 'web' }, kernel: '/k', initrd: '/i', cmdline: 'console=ttyS0', memoryMiB: 80, accel: 'tcg', disks: [{ path: '/d.qcow2' }] }, 'domain web', '/');
const patched = (set: Record<string, unknown>, unset: string[] = []) => {
  const o: Record<string, unknown> = { ...base, ...set };
  for (const k of unset) delete o[k];
  return parseVmSpec(o, 'domain web', '/');
};

test('a spec patch becomes the XML fields libvirt healing changes', () => {
  assert.deepEqual(domainEditFor('web', base, patched({ memoryMiB: 160 })), { memoryMiB: 160 });
  assert.deepEqual(domainEditFor('web', base, patched({ cpus: 2, accel: 'kvm' })), { vcpus: 2, type: 'kvm' });
  assert.deepEqual(domainEditFor('web', base, patched({ initrd: 'none', append: 'quiet' })), { initrd: null, cmdline: 'console=ttyS0 quiet' });
  assert.deepEqual(domainEditFor('web', base, patched({}, ['cmdline'])), { cmdline: null });
});

test('how bootmedic watches (stall budget, ready) changes nothing in the domain', () => {
  assert.deepEqual(domainEditFor('web', base, patched({ stall: { defaultSeconds: 180, floorSeconds: 15, factor: 6, percentile: 95 } })), {});
});

test('a change libvirt healing does not make (disks, firmware) is refused for a human', () => {
  assert.throws(
    () => domainEditFor('web', base, patched({ disks: [] })),
    (e: unknown) => isBootmedicError(e, 'LIBVIRT_CHANGE_UNSUPPORTED') && e.message.includes('disks') && e.message.includes('web'),
  );
  assert.throws(() => domainEditFor('web', base, patched({ firmware: 'uefi' })), (e: unknown) => isBootmedicError(e, 'LIBVIRT_CHANGE_UNSUPPORTED'));
  // A UEFI domain's spec says uefi (read from its XML): a revert to a last good of the same domain sets the same firmware, no edit.
  const uefi = parseVmSpec({ ...base, firmware: 'uefi', secureBoot: true }, 'domain web', '/');
  assert.deepEqual(domainEditFor('web', uefi, parseVmSpec({ ...uefi, firmware: 'uefi', memoryMiB: 160 }, 'domain web', '/')), { memoryMiB: 160 });
});
