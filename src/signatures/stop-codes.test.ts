import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeStopCode, findingsFromQmpPanic } from './index.ts';

test('0x3B decodes to SYSTEM_SERVICE_EXCEPTION with its parameters', () => {
  assert.deepEqual(decodeStopCode(0x3b, [0xc0000005, '0xfffff80123456789', 0, 0]), {
    code: '0x0000003B', name: 'SYSTEM_SERVICE_EXCEPTION', params: ['0xC0000005', '0xFFFFF80123456789', '0x00000000', '0x00000000'],
  });
  assert.equal(decodeStopCode('0x7b')?.name, 'INACCESSIBLE_BOOT_DEVICE');
  assert.equal(decodeStopCode('59')?.name, 'SYSTEM_SERVICE_EXCEPTION');
});

test('the _M variant (bit 28) and unknown or bad codes', () => {
  assert.equal(decodeStopCode(0x1000007e)?.name, 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M');
  assert.equal(decodeStopCode(0x0fffffff)?.name, 'UNKNOWN_BUGCHECK');
  assert.equal(decodeStopCode('zz'), undefined);
  assert.equal(decodeStopCode(-1), undefined);
});

test('QMP GUEST_PANICKED hyper-v info gives a windows-bugcheck finding', () => {
  const [f] = findingsFromQmpPanic({ action: 'pause', info: { type: 'hyper-v', arg1: 59, arg2: 3221225477, arg3: 0, arg4: 0, arg5: 0 } });
  assert.equal(f?.family, 'windows-bugcheck');
  assert.equal(f?.stopCode?.name, 'SYSTEM_SERVICE_EXCEPTION');
  assert.equal(f?.stopCode?.params[0], '0xC0000005');
  assert.equal(f?.title, 'Windows stop SYSTEM_SERVICE_EXCEPTION (0x0000003B)');
  assert.equal(f?.severity, 'fatal');
});

test('pvpanic GUEST_PANICKED without info is a guest panic', () => {
  const [f] = findingsFromQmpPanic({ action: 'poweroff' });
  assert.equal(f?.family, 'kernel-panic');
  assert.match(f?.title ?? '', /action poweroff/);
  assert.equal(f?.stopsBoot, true);
});

test('hypervisor logs: QEMU stderr and vmware.log lines give hypervisor findings, no incomplete-boot', async () => {
  const { findingsFromHypervisorLog } = await import('./index.ts');
  const q = findingsFromHypervisorLog('qemu-system-x86_64: -drive file=/x.qcow2: Failed to get "write" lock\nIs another process using the image [/x.qcow2]?\n');
  assert.deepEqual(q.map((f) => f.id), ['hypervisor.image-locked']);
  const v = findingsFromHypervisorLog('2024-05-01T10:00:00.000Z| vcpu-0| I005: WinBSOD: Synthetic MSR[0x40000100] 0x0000007E\n2024-05-01T10:00:00.001Z| vmx| I005: Guest operating system crash detected.\n');
  assert.deepEqual(v.map((f) => f.id), ['hypervisor.vmware.winbsod', 'hypervisor.vmware.guest-crash']);
  assert.equal(v[0]?.stopCode?.name, 'SYSTEM_THREAD_EXCEPTION_NOT_HANDLED');
  assert.deepEqual(findingsFromHypervisorLog('qemu-system-x86_64: terminating on signal 15 from pid 1\n'), []);
});

test('64-bit hyper-v parameters given as exact decimal strings or bigints print as exact hex', () => {
  const [f] = findingsFromQmpPanic({ action: 'pause', info: { type: 'hyper-v', arg1: 59, arg2: 3221225477, arg3: '18446735277616529280', arg4: 18446664974541287392n, arg5: 0 } });
  assert.deepEqual(f?.stopCode?.params, ['0xC0000005', '0xFFFFF7FFFFFFFF80', '0xFFFFB80F4A2C6FE0', '0x00000000']);
  assert.match(f?.evidence[0]?.text ?? '', /"arg4":18446664974541287392/);
});
