import assert from 'node:assert/strict';
import { test } from 'node:test';
import { qemuExitReason, stderrLines } from './stderr-reason.ts';

const cases: [string, number, string][] = [
  ["qemu-system-x86_64: -bogus-flag: invalid option\n", 1, 'HV_QEMU_BAD_ARG'],
  ["qemu-system-x86_64: -device nosuchdev: 'nosuchdev' is not a valid device model name\n", 1, 'HV_QEMU_BAD_ARG'],
  ["qemu: could not open kernel file '/nope/vmlinuz': No such file or directory\n", 1, 'HV_QEMU_FILE'],
  ["qemu-system-x86_64: -drive file=/x.qcow2,format=qcow2: Could not open '/x.qcow2': No such file or directory\n", 1, 'HV_QEMU_FILE'],
  ['Could not access KVM kernel module: No such file or directory\nqemu-system-x86_64: -machine q35,accel=kvm: failed to initialize kvm: No such file or directory\n', 1, 'HV_KVM_FAILED'],
  ['setpriv: failed to execute qemu-system-x86_64: No such file or directory\n', 127, 'HV_QEMU_MISSING'],
  ['something nobody has seen before\n', 1, 'HV_QEMU_EXITED'],
];

test('QEMU stderr lines become typed reasons', () => {
  for (const [stderr, code, want] of cases) assert.equal(qemuExitReason(stderr, code, null)?.code, want, stderr);
});

test('a clean exit has no reason; warnings and signal notes are not reasons', () => {
  assert.equal(qemuExitReason('qemu-system-x86_64: warning: host doesn\'t support requested feature\n', 0, null), undefined);
  assert.deepEqual(stderrLines('qemu-system-x86_64: warning: x\nqemu-system-x86_64: terminating on signal 15 from pid 1\n'), []);
  assert.equal(qemuExitReason('', null, 'SIGSEGV')?.code, 'HV_QEMU_CRASHED');
});
