import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AppConfig } from '../../config/index.ts';
import { createReplayVm, recordingFromLog } from '../../../testkit/index.ts';
import type { LaunchOptions, VmProcess } from '../types.ts';
import { probeAccel } from './accel.ts';

function tempApp(): AppConfig {
  const dir = mkdtempSync(join(tmpdir(), 'bm-accel-'));
  return Object.freeze({ home: join(dir, 'home'), cache: join(dir, 'cache'), ci: true, color: false });
}

/** A launch that replays `console` instead of running QEMU, recording the accel it was asked for. */
function fakeLaunch(consoleText: string, asked: string[]) {
  return async (_spec: unknown, o: LaunchOptions): Promise<VmProcess> => {
    asked.push(o.accel ?? 'none');
    const vm = createReplayVm(recordingFromLog(consoleText), { accel: o.accel ?? 'tcg' });
    setImmediate(() => void vm.play());
    return vm;
  };
}

test('KVM is chosen only when a probe boot reaches ready; the verdict is cached with its reason', async () => {
  const app = tempApp();
  const dev = join(app.cache, '..', 'kvm');
  writeFileSync(dev, '');
  const asked: string[] = [];
  const v = await probeAccel(app, fakeLaunch('Linux version 6.1\nbootmedic-ready\n', asked), { kvmDevice: dev });
  assert.equal(v.accel, 'kvm');
  assert.match(v.reason, /reached|ready/);
  assert.deepEqual(asked, ['kvm']);
  const again = await probeAccel(app, fakeLaunch('', asked), { kvmDevice: dev });
  assert.equal(again.accel, 'kvm');
  assert.match(again.reason, /cached/);
  assert.equal(asked.length, 1);
  rmSync(join(app.cache, '..'), { recursive: true, force: true });
});

test('a KVM probe boot that never gets ready falls back to TCG and says why; no /dev/kvm is TCG at once', async () => {
  const app = tempApp();
  const dev = join(app.cache, '..', 'kvm');
  writeFileSync(dev, '');
  const hangs = async (_s: unknown, o: LaunchOptions): Promise<VmProcess> => {
    // Replays nothing and never exits: a KVM that hangs.
    const vm = createReplayVm({ meta: {}, events: [] }, { accel: o.accel ?? 'tcg' });
    return vm;
  };
  const v = await probeAccel(app, hangs, { kvmDevice: dev, timeoutMs: 200, fresh: true });
  assert.equal(v.accel, 'tcg');
  assert.match(v.reason, /did not reach ready/);
  const none = await probeAccel(tempApp(), hangs, { kvmDevice: join(app.cache, 'no-kvm-here') });
  assert.deepEqual(none.accel, 'tcg');
  assert.match(none.reason, /does not exist/);
  rmSync(join(app.cache, '..'), { recursive: true, force: true });
});
