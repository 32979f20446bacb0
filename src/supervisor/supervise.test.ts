// Logic tests of the supervisor on recorded real boots of the tiny guest (testkit/consoles),
// replayed through a fake hypervisor: fast, and the same path as a live boot from the
// console bytes and QMP events on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVmSpec } from '../config/index.ts';
import { loadCatalogue } from '../faults/index.ts';
import type { Hypervisor } from '../hypervisor/index.ts';
import { openStore } from '../store/index.ts';
import { createReplayVm, loadRecording } from '../../testkit/index.ts';
import { superviseVm, type SupervisorEvent } from './index.ts';

function replayHypervisor(name: string): Hypervisor {
  return {
    probeAccel: async () => ({ accel: 'tcg', reason: 'replay' }),
    async launch() {
      const vm = createReplayVm(loadRecording(name));
      setImmediate(() => void vm.play());
      return vm;
    },
  };
}

async function replayBoot(name: string, home: string, extra: Record<string, unknown> = {}) {
  const spec = parseVmSpec({ name: `replay-${name}`, guest: 'tiny', accel: 'tcg', ...extra }, 'test', '/');
  const events: SupervisorEvent[] = [];
  const store = openStore({ home });
  try {
    const [o] = await superviseVm(spec, { hypervisor: replayHypervisor(name), home, store }, { mode: 'once', onEvent: (e) => events.push(e) });
    return { o: o!, events, stored: store.boots.get(o!.bootId) };
  } finally {
    store.close();
  }
}

const withHome = async (fn: (home: string) => Promise<void>) => {
  const home = mkdtempSync(join(tmpdir(), 'bm-sup-'));
  try {
    await fn(home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
};

test('a recorded good boot is ready, with its timeline stored and the console kept byte for byte', () =>
  withHome(async (home) => {
    const { o, events, stored } = await replayBoot('good', home);
    assert.equal(o.status, 'ready', o.reason);
    assert.deepEqual(o.timeline.map((t) => t.phase), ['firmware', 'kernel', 'initramfs', 'init', 'ready']);
    assert.equal(stored?.status, 'ready');
    const rec = loadRecording('good');
    const bytes = Buffer.concat(rec.events.flatMap((e) => (e.type === 'console' ? [Buffer.from(e.chunk)] : [])));
    // The VM is stopped at ready, so the file holds the recorded bytes up to there, unchanged.
    const kept = readFileSync(o.consoleLog);
    assert.ok(kept.includes('bootmedic-ready'), 'the ready marker is in the kept console');
    assert.ok(kept.equals(bytes.subarray(0, kept.length)), 'console.log holds the raw bytes');
    assert.equal(events.filter((e) => e.type === 'verdict').length, 1);
    assert.ok(events.findIndex((e) => e.type === 'phase') < events.findIndex((e) => e.type === 'verdict'));
  }));

for (const fault of loadCatalogue().filter((f) => f.guests.includes('tiny') && f.expected.outcome === 'failed' && f.expected.error === undefined)) {
  test(`recorded fault ${fault.name} fails with a ${fault.expected.family} finding and evidence`, () =>
    withHome(async (home) => {
      let rec;
      try {
        rec = loadRecording(fault.name);
      } catch {
        return; // not every catalogue fault has a recording; the real-QEMU test covers it
      }
      assert.ok(rec.events.length > 0);
      // A recording holds as many guest reboots as the recorder waited for; the loop
      // threshold is set to what it holds (at least 2), the rest of the policy is default.
      const reboots = rec.events.filter((e) => e.type === 'qmp' && e.event === 'RESET' && e.data['guest'] === true).length;
      const extra = fault.expected.family === 'boot-loop' ? { bootLoop: { resets: Math.max(2, Math.min(3, Math.ceil(reboots / 3))), windowSeconds: 300 } } : {};
      const { o } = await replayBoot(fault.name, home, extra);
      assert.equal(o.status, 'failed', `${fault.name}: ${o.reason}`);
      assert.ok(o.findings.some((f) => f.family === fault.expected.family), `${fault.name}: ${o.findings.map((f) => f.family).join(', ')}`);
      if (fault.expected.finding !== undefined) assert.ok(o.findings.some((f) => f.id === fault.expected.finding), `${fault.name}: ${o.findings.map((f) => f.id).join(', ')}`);
    }));
}

test('stall budgets are learned from good boots of the same image', () =>
  withHome(async (home) => {
    await replayBoot('good', home);
    const { o } = await replayBoot('panic', home, { name: 'other-vm-same-image' });
    assert.equal(o.stallBudget.learnedFrom, 1);
  }));
