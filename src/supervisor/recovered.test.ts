// A boot that goes on past a message its rule calls recoverable lists it with the lower
// severity of the rule's recovery; a boot that fails before then still lists the error.
// Consoles replayed through a fake hypervisor, as in supervise.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVmSpec } from '../config/index.ts';
import type { Hypervisor } from '../hypervisor/index.ts';
import type { Finding } from '../signatures/index.ts';
import { openStore } from '../store/index.ts';
import { createReplayVm, loadRecording, recordingFromLog, type Recording } from '../../testkit/index.ts';
import { superviseVm } from './index.ts';

async function boot(rec: Recording, extra: Record<string, unknown> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'bm-recovered-'));
  const hypervisor: Hypervisor = {
    probeAccel: async () => ({ accel: 'tcg', reason: 'replay' }),
    async launch() {
      const vm = createReplayVm(rec);
      setImmediate(() => void vm.play());
      return vm;
    },
  };
  const spec = parseVmSpec({ name: 'recovered', guest: 'tiny', accel: 'tcg', ...extra }, 'test', '/');
  const store = openStore({ home });
  try {
    const [o] = await superviseVm(spec, { hypervisor, home, store }, { mode: 'once' });
    return o!;
  } finally {
    store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

const errors = (fs: readonly Finding[]) => fs.filter((f) => f.severity === 'error' || f.severity === 'fatal').map((f) => f.id);

const INITRAMFS = [
  '[    1.000000] Linux version 6.1.0-demo',
  '[    1.200000] Run /init as init process',
  'Loading, please wait...',
  'Begin: Mounting root file system ... done.',
  "Target filesystem doesn't have requested /sbin/demo-init.",
];

test('a ready boot lists the missing init= it fell back from as a warning, not an error', async () => {
  const o = await boot(recordingFromLog(`${[...INITRAMFS, 'tiny-init: reached userspace', 'bootmedic-ready', ''].join('\n')}`));
  assert.equal(o.status, 'ready', o.reason);
  const f = o.findings.find((x) => x.id === 'initramfs.target-lacks-init');
  assert.ok(f !== undefined, o.findings.map((x) => x.id).join(', '));
  assert.equal(f.severity, 'warning');
  assert.deepEqual(f.recovered && { from: f.recovered.from, phase: f.recovered.phase }, { from: 'error', phase: 'init' });
  assert.deepEqual(errors(o.findings), []);
});

test('a boot that fails before going on still lists the missing init= as an error', async () => {
  const o = await boot(recordingFromLog(`${[...INITRAMFS, 'No init found. Try passing init= bootarg.', ''].join('\n')}`));
  assert.equal(o.status, 'failed', o.reason);
  assert.deepEqual(errors(o.findings), ['initramfs.target-lacks-init', 'initramfs.no-init-found']);
});

test('a ready boot whose VM ready marker comes before any later phase marker settles held findings at ready', async () => {
  const o = await boot(recordingFromLog(`${[...INITRAMFS, 'demo-ready', ''].join('\n')}`), { ready: { type: 'marker', text: 'demo-ready' } });
  assert.equal(o.status, 'ready', o.reason);
  const f = o.findings.find((x) => x.id === 'initramfs.target-lacks-init');
  assert.equal(f?.severity, 'warning');
  assert.equal(f?.recovered?.phase, 'ready');
});

test('the recorded good UEFI boot: OVMF trying its DVD-ROM first is not even a warning', async () => {
  const o = await boot(loadRecording('debian-good-boot-uefi'), { ready: { type: 'login' } });
  assert.equal(o.status, 'ready', o.reason);
  const f = o.findings.find((x) => x.id === 'firmware.ovmf.load-failed');
  assert.equal(f?.severity, 'info', o.findings.map((x) => `${x.id} ${x.severity}`).join(', '));
  assert.deepEqual(o.findings.filter((x) => x.severity !== 'info').map((x) => x.id), []);
});
