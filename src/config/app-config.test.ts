import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBootmedicError } from '../core/index.ts';
import { resolveAppConfig } from './index.ts';

test('the resource guard and witness settings come from the environment; a bad headroom is one clear usage error', () => {
  const a = resolveAppConfig({ home: '/h' }, { BOOTMEDIC_ADMISSION_HEADROOM_MIB: '512', BOOTMEDIC_CGROUP_ROOT: '/sys/fs/cgroup/delegated', BOOTMEDIC_LEDGER_WITNESS_DIR: '/w1::/w2' });
  assert.equal(a.admissionHeadroomMiB, 512);
  assert.equal(a.cgroupRoot, '/sys/fs/cgroup/delegated');
  assert.deepEqual(a.ledgerWitnessDirs, ['/w1', '/w2']);
  const d = resolveAppConfig({ home: '/h' }, {});
  assert.equal(d.admissionHeadroomMiB, undefined);
  assert.equal(d.cgroupRoot, undefined);
  assert.throws(() => resolveAppConfig({ home: '/h' }, { BOOTMEDIC_ADMISSION_HEADROOM_MIB: '256MiB' }), (e) => isBootmedicError(e, 'CONFIG_BAD_ENV') && /BOOTMEDIC_ADMISSION_HEADROOM_MIB="256MiB"/.test(e.message));
});

test('the admission queue policy comes from the environment, each field on its own; a bad value names the variable', () => {
  assert.deepEqual(resolveAppConfig({ home: '/h' }, { BOOTMEDIC_ADMISSION_ON_NO_FIT: 'queue', BOOTMEDIC_ADMISSION_QUEUE_TIMEOUT_SECONDS: '90' }).admission, { onNoFit: 'queue', queueTimeoutSeconds: 90 });
  assert.deepEqual(resolveAppConfig({ home: '/h' }, { BOOTMEDIC_ADMISSION_ON_NO_FIT: 'refuse' }).admission, { onNoFit: 'refuse' });
  assert.equal(resolveAppConfig({ home: '/h' }, {}).admission, undefined);
  assert.throws(() => resolveAppConfig({ home: '/h' }, { BOOTMEDIC_ADMISSION_ON_NO_FIT: 'wait' }), (e) => isBootmedicError(e, 'CONFIG_BAD_ENV') && /BOOTMEDIC_ADMISSION_ON_NO_FIT="wait": must be refuse or queue/.test(e.message));
  assert.throws(() => resolveAppConfig({ home: '/h' }, { BOOTMEDIC_ADMISSION_QUEUE_TIMEOUT_SECONDS: '0' }), (e) => isBootmedicError(e, 'CONFIG_BAD_ENV') && /QUEUE_TIMEOUT_SECONDS="0"/.test(e.message));
});

test("QEMU's priority below bootmedic's comes from BOOTMEDIC_VM_NICE, 0 to 19; anything else names the variable", () => {
  assert.equal(resolveAppConfig({ home: '/h' }, { BOOTMEDIC_VM_NICE: '0' }).vmNice, 0);
  assert.equal(resolveAppConfig({ home: '/h' }, { BOOTMEDIC_VM_NICE: '19' }).vmNice, 19);
  assert.equal(resolveAppConfig({ home: '/h' }, {}).vmNice, undefined, 'unset: the service config, then the default, decide');
  for (const bad of ['20', '-1', '5.5', 'low', '']) {
    assert.throws(() => resolveAppConfig({ home: '/h' }, { BOOTMEDIC_VM_NICE: bad }), (e) => isBootmedicError(e, 'CONFIG_BAD_ENV') && e.message.startsWith(`BOOTMEDIC_VM_NICE=${JSON.stringify(bad)}`));
  }
});
