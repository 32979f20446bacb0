import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVmSpec } from '../../config/index.ts';
import { qemuArgv } from './argv.ts';

test('argv starts paused, reports panics, keeps reboots visible and escapes commas', () => {
  const spec = parseVmSpec({ name: 'vm', kernel: '/k', qemuArgs: ['-rtc', 'base=utc'] }, 't', '/');
  const a = qemuArgv(spec, { accel: 'tcg', kernel: '/k', cmdline: 'console=ttyS0', overlays: [{ path: '/run/a,b.qcow2', interface: 'virtio' }], qmpSocket: '/run/q.sock' });
  for (const want of ['-nodefaults', '-no-user-config', '-S']) assert.ok(a.includes(want), want);
  assert.equal(a.includes('-no-reboot'), false);
  const actions = a.flatMap((x, i) => (a[i - 1] === '-action' ? [x] : []));
  assert.deepEqual(actions, ['panic=pause', 'reboot=reset', 'shutdown=poweroff']);
  assert.ok(a.includes('pvpanic'));
  assert.ok(a.some((x) => x.startsWith('file=/run/a,,b.qcow2,format=qcow2')));
  assert.deepEqual(a.slice(-2), ['-rtc', 'base=utc']);
  assert.equal(a[a.indexOf('-append') + 1], 'console=ttyS0');
});

test('a watchdog device is added only when asked for, with its expiry reported and paused', () => {
  const none = qemuArgv(parseVmSpec({ name: 'vm', kernel: '/k' }, 't', '/'), { accel: 'tcg', kernel: '/k', overlays: [], qmpSocket: '/q' });
  assert.equal(none.includes('i6300esb'), false);
  const wd = qemuArgv(parseVmSpec({ name: 'vm', kernel: '/k', watchdog: 'i6300esb' }, 't', '/'), { accel: 'tcg', kernel: '/k', overlays: [], qmpSocket: '/q' });
  assert.equal(wd[wd.indexOf('i6300esb') - 1], '-device');
  assert.ok(wd.includes('watchdog=pause'));
});

test('a balloon device with a fixed id is added only when asked for', () => {
  const plan = { accel: 'tcg' as const, kernel: '/k', overlays: [], qmpSocket: '/q' };
  const none = qemuArgv(parseVmSpec({ name: 'vm', kernel: '/k' }, 't', '/'), plan);
  assert.equal(none.some((x) => x.startsWith('virtio-balloon')), false);
  const b = qemuArgv(parseVmSpec({ name: 'vm', kernel: '/k', balloon: true }, 't', '/'), plan);
  assert.equal(b[b.indexOf('virtio-balloon-pci,id=balloon0') - 1], '-device');
});

test('secureBoot turns SMM on and secures the flash; without it neither appears', () => {
  const pflash = { code: '/c.fd', vars: '/run/v.fd' };
  const plain = qemuArgv(parseVmSpec({ name: 'vm', disks: [{ path: '/d' }], firmware: 'uefi' }, 't', '/'), { accel: 'tcg', overlays: [], qmpSocket: '/q', pflash });
  assert.equal(plain[plain.indexOf('-machine') + 1], 'q35,accel=tcg');
  assert.equal(plain.includes('-global'), false);
  const sb = qemuArgv(parseVmSpec({ name: 'vm', disks: [{ path: '/d' }], firmware: 'uefi', secureBoot: true }, 't', '/'), { accel: 'tcg', overlays: [], qmpSocket: '/q', pflash });
  assert.equal(sb[sb.indexOf('-machine') + 1], 'q35,smm=on,accel=tcg');
  assert.equal(sb[sb.indexOf('-global') + 1], 'driver=cfi.pflash01,property=secure,value=on');
  assert.ok(sb.includes('if=pflash,format=raw,unit=0,readonly=on,file=/c.fd'));
  assert.ok(sb.includes('if=pflash,format=raw,unit=1,file=/run/v.fd'));
});

test('a Windows VM gets hv-crash on -cpu (host under KVM, qemu64 under TCG); others keep the default CPU', () => {
  const plan = (accel: 'kvm' | 'tcg') => ({ accel, overlays: [], qmpSocket: '/q' });
  const cpu = (spec: Record<string, unknown>, accel: 'kvm' | 'tcg') => {
    const a = qemuArgv(parseVmSpec({ name: 'vm', disks: [{ path: '/d' }], ...spec }, 't', '/'), plan(accel));
    return a.includes('-cpu') ? a[a.indexOf('-cpu') + 1] : undefined;
  };
  assert.equal(cpu({ os: 'windows' }, 'kvm'), 'host,hv-crash');
  assert.equal(cpu({ os: 'windows' }, 'tcg'), 'qemu64,hv-crash');
  assert.equal(cpu({}, 'kvm'), 'host');
  assert.equal(cpu({}, 'tcg'), undefined);
  // The explicit option wins both ways.
  assert.equal(cpu({ os: 'windows', hvCrash: false }, 'kvm'), 'host');
  assert.equal(cpu({ hvCrash: true }, 'tcg'), 'qemu64,hv-crash');
  assert.throws(() => parseVmSpec({ name: 'vm', disks: [{ path: '/d' }], os: 'macos' }, 't', '/'));
});

test('disk I/O limits put every disk in one QEMU throttle group; no limits, no throttling', () => {
  const plan = { accel: 'tcg' as const, kernel: '/k', overlays: [{ path: '/a.qcow2', interface: 'virtio' as const }, { path: '/b.qcow2', interface: 'virtio' as const }], qmpSocket: '/q' };
  const drives = (extra: Record<string, unknown>) => {
    const a = qemuArgv(parseVmSpec({ name: 'vm', kernel: '/k', ...extra }, 't', '/'), plan);
    return a.flatMap((x, i) => (a[i - 1] === '-drive' ? [x] : []));
  };
  assert.ok(drives({}).every((d) => !d.includes('throttling')));
  const d = drives({ limits: { iops: 200, bytesPerSecond: 10485760 } });
  assert.equal(d.length, 2);
  for (const x of d) assert.ok(x.endsWith(',throttling.group=bootmedic-io,throttling.iops-total=200,throttling.bps-total=10485760'), x);
});
