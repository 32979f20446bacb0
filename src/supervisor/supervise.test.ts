// Logic tests of the supervisor on recorded real boots of the tiny guest (testkit/consoles),
// replayed through a fake hypervisor: fast, and the same path as a live boot from the
// console bytes and QMP events on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVmSpec } from '../config/index.ts';
import type { BootmedicError } from '../core/index.ts';
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

/** A hypervisor whose VMs say nothing until stopped (a hang), counting launches. */
function silentHypervisor(): Hypervisor & { launches: number } {
  const hv = {
    launches: 0,
    probeAccel: async () => ({ accel: 'tcg' as const, reason: 'fake' }),
    async launch() {
      hv.launches++;
      return createReplayVm({ meta: {}, events: [] });
    },
  };
  return hv;
}

const tinySpec = (name = 'vm-a') => parseVmSpec({ name, guest: 'tiny', accel: 'tcg' }, 'test', '/');

test('two supervisions of one VM: the second is refused as busy before it touches the VM, and the VM is free again after', () =>
  withHome(async (home) => {
    const hv = silentHypervisor();
    const ac = new AbortController();
    const first = superviseVm(tinySpec(), { hypervisor: hv, home }, { mode: 'once', signal: ac.signal });
    await assert.rejects(superviseVm(tinySpec(), { hypervisor: hv, home }, { mode: 'once' }), (e: BootmedicError) => {
      assert.equal(e.code, 'SUPERVISOR_VM_BUSY');
      assert.match(e.message, new RegExp(`pid ${process.pid}\\b`));
      return true;
    });
    assert.equal(hv.launches, 1, 'the refused supervision launched nothing');
    // Another VM of the same home is not held.
    const other = new AbortController();
    const b = superviseVm(tinySpec('vm-b'), { hypervisor: hv, home }, { mode: 'once', signal: other.signal });
    ac.abort(new Error('SIGINT'));
    other.abort(new Error('SIGINT'));
    await Promise.all([first, b]);
    assert.equal(hv.launches, 2);
    const again = new AbortController();
    const c = superviseVm(tinySpec(), { hypervisor: hv, home }, { mode: 'once', signal: again.signal });
    again.abort(new Error('SIGINT'));
    await c;
    assert.equal(hv.launches, 3, 'the lock was released when the first supervision ended');
  }));

test('a boot the operator interrupts is recorded as interrupted (not stalled) in the outcome, the store and the ledger', () =>
  withHome(async (home) => {
    const store = openStore({ home });
    const recorded: { type: string; data: unknown }[] = [];
    try {
      const ac = new AbortController();
      const p = superviseVm(tinySpec(), { hypervisor: silentHypervisor(), home, store, record: async (e) => recorded.push(e) }, { mode: 'once', signal: ac.signal });
      setTimeout(() => ac.abort(new Error('SIGTERM')), 50);
      const [o] = await p;
      assert.equal(o?.status, 'interrupted');
      assert.equal(o?.cause, 'operator');
      assert.match(o!.reason, /interrupted by the operator \(SIGTERM\)/);
      assert.equal(store.boots.get(o!.bootId)?.status, 'interrupted');
      assert.equal((recorded.at(-1)?.data as { status: string }).status, 'interrupted');
      assert.equal(JSON.parse(readFileSync(join(o!.runDir, 'outcome.json'), 'utf8')).status, 'interrupted');
      assert.equal(existsSync(join(home, 'vms', 'vm-a', 'open-boot.json')), false, 'a closed boot leaves no open marker');
    } finally {
      store.close();
    }
  }));

test('a boot left open by a bootmedic that died is closed as bootmedic-died at the next start, visibly, in the store and the ledger; the stale QMP socket goes', () =>
  withHome(async (home) => {
    const vmDir = join(home, 'vms', 'vm-a');
    const runDir = join(home, 'boots', 'vm-a-dead');
    mkdirSync(runDir, { recursive: true });
    mkdirSync(vmDir, { recursive: true });
    writeFileSync(join(vmDir, 'qmp.sock'), '');
    writeFileSync(
      join(vmDir, 'open-boot.json'),
      JSON.stringify({ bootId: 'vm-a-dead', vm: 'vm-a', pid: 999999, runDir, consoleLog: join(runDir, 'console.log'), startedAt: '2026-01-01T00:00:00.000Z', imageKey: 'k', accel: 'tcg', accelReason: 'x', qemuPid: 1, phase: 'kernel', timeline: [{ phase: 'firmware', atMs: 0 }, { phase: 'kernel', atMs: 700 }] }),
    );
    const store = openStore({ home });
    const recorded: { type: string; data: unknown }[] = [];
    const events: SupervisorEvent[] = [];
    try {
      const ac = new AbortController();
      const p = superviseVm(tinySpec(), { hypervisor: silentHypervisor(), home, store, record: async (e) => recorded.push(e) }, { mode: 'once', signal: ac.signal, onEvent: (e) => events.push(e) });
      setTimeout(() => ac.abort(new Error('SIGINT')), 50);
      await p;
      const closed = events.find((e) => e.type === 'boot-abandoned');
      assert.ok(closed?.type === 'boot-abandoned');
      assert.equal(closed.outcome.status, 'bootmedic-died');
      assert.equal(closed.outcome.phase, 'kernel');
      assert.match(closed.outcome.reason, /bootmedic died \(pid 999999/);
      assert.equal(closed.socket, join(vmDir, 'qmp.sock'));
      assert.equal(existsSync(join(vmDir, 'qmp.sock')), false);
      assert.equal(store.boots.get('vm-a-dead')?.status, 'bootmedic-died');
      assert.ok(recorded.some((r) => (r.data as { bootId: string; status: string }).bootId === 'vm-a-dead' && (r.data as { status: string }).status === 'bootmedic-died'));
      assert.equal(JSON.parse(readFileSync(join(runDir, 'outcome.json'), 'utf8')).status, 'bootmedic-died');
      // Closed once: the next start finds nothing to close.
      const again = new AbortController();
      const events2: SupervisorEvent[] = [];
      const q = superviseVm(tinySpec(), { hypervisor: silentHypervisor(), home, store }, { mode: 'once', signal: again.signal, onEvent: (e) => events2.push(e) });
      again.abort(new Error('SIGINT'));
      await q;
      assert.equal(events2.filter((e) => e.type === 'boot-abandoned').length, 0);
    } finally {
      store.close();
    }
  }));

test('a damaged open-boot marker is reported by name, not ignored', () =>
  withHome(async (home) => {
    mkdirSync(join(home, 'vms', 'vm-a'), { recursive: true });
    writeFileSync(join(home, 'vms', 'vm-a', 'open-boot.json'), '{"bootId": "vm-a-x", "ru');
    await assert.rejects(superviseVm(tinySpec(), { hypervisor: silentHypervisor(), home }, { mode: 'once' }), /SUPERVISOR_STATE_DAMAGED|open boot marker .*open-boot.json is damaged/);
  }));
