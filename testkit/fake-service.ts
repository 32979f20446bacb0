// A Service (src/service/types.ts) for the HTTP server's tests: a real store and ledger in a
// temporary home and a real hub, with a fleet, readiness and drills set by hand. It seeds one
// failed boot (with its console.log) of VM `web1`, an open incident with one failed step, and
// a few ledger entries.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootmedicError } from '../src/core/index.ts';
import { openLedger } from '../src/ledger/index.ts';
import { createHub, parseServiceConfig, type DrillSummary, type Hub, type Service, type VmSummary } from '../src/service/index.ts';
import { openStore } from '../src/store/index.ts';
import { diagnosisFor } from './heal-fixtures.ts';

export const FAKE_BOOT_ID = 'web1-20261207T030000Z-ab12';
export const FAKE_INCIDENT_ID = 'inc-0001';

export type FakeService = {
  service: Service;
  hub: Hub;
  home: string;
  /** Set what the service reports. */
  state: { fleet: VmSummary[]; ready: boolean; drills: DrillSummary[]; busy: boolean; reloads: number; closed: boolean };
  cleanup(): Promise<void>;
};

const CONSOLE = ['SeaBIOS (version 1.16)', 'Booting from ROM...', 'Linux version 6.1.0', 'VFS: Cannot open root device "vda1"', 'Kernel panic - not syncing: VFS: Unable to mount root fs'];

/** A fake service in a new temporary home; `cleanup` closes and removes it. */
export async function createFakeService(): Promise<FakeService> {
  const home = mkdtempSync(join(tmpdir(), 'bootmedic-server-test-'));
  const store = openStore({ home });
  const ledger = await openLedger({ home, origin: 'test.bootmedic.local/ledger', now: () => new Date('2026-12-07T03:00:00.000Z') });
  const hub = createHub();
  const finding = { id: 'kernel.panic.vfs-root', family: 'kernel-panic', title: 'Kernel panic: cannot mount root', phase: 'kernel', evidence: [{ line: 4, text: CONSOLE[3]! }, { line: 5, text: CONSOLE[4]! }] };
  const outcome = { bootId: FAKE_BOOT_ID, vm: 'web1', status: 'failed', cause: { layer: 'kernel', component: 'rootfs' }, findings: [finding], evidence: finding.evidence, qmpEvents: [{ event: 'GUEST_PANICKED', atMs: 5100 }], resets: 0 };
  store.boots.add({
    id: FAKE_BOOT_ID, vm: 'web1', imageKey: 'img:web1', startedAt: '2026-12-07T03:00:00.000Z', status: 'failed', phase: 'kernel', reason: 'kernel panic',
    accel: 'tcg', durationMs: 5200, timeline: [{ phase: 'firmware', atMs: 0 }, { phase: 'kernel', atMs: 1200 }], record: outcome,
  });
  mkdirSync(join(home, 'boots', FAKE_BOOT_ID), { recursive: true });
  writeFileSync(join(home, 'boots', FAKE_BOOT_ID, 'console.log'), `${CONSOLE.join('\n')}\n`);
  const t0 = Date.parse('2026-12-07T03:00:05.000Z');
  store.incidents.open({ id: FAKE_INCIDENT_ID, vm: 'web1', detectedAt: t0, openedAt: t0, bootId: FAKE_BOOT_ID, diagnosis: diagnosisFor({ 'root-device-missing': 0.7, 'rootfs-corrupt': 0.2 }) });
  store.incidents.startStep({ incidentId: FAKE_INCIDENT_ID, seq: 1, remedy: 'restore-vm-config', startedAt: t0 + 1000, detail: {} });
  store.incidents.finishStep(FAKE_INCIDENT_ID, 1, 'failed', t0 + 9000, {});
  for (let i = 0; i < 5; i++) await ledger.append({ type: 'boot', vm: 'web1', data: { n: i } });
  ledger.flush();

  const state: FakeService['state'] = {
    fleet: [
      { name: 'web1', source: 'qemu', state: 'failed', heal: true, lastVerdict: { bootId: FAKE_BOOT_ID, status: 'failed', cause: 'root-device-missing', reason: 'kernel panic', startedAt: '2026-12-07T03:00:00.000Z', durationMs: 5200 }, openIncident: FAKE_INCIDENT_ID, bootTrend: [4100, 4300] },
      { name: 'db1', source: 'qemu', state: 'ready', heal: false, bootTrend: [3900] },
    ],
    ready: true,
    drills: [],
    busy: false,
    reloads: 0,
    closed: false,
  };
  const config = parseServiceConfig({}, { where: 'fake service', baseDir: home, home });
  const service: Service = {
    hub, home, store, ledger,
    fleet: () => state.fleet,
    vm: (name) => state.fleet.find((v) => v.name === name),
    startDrill({ scenarios, seed }) {
      if (state.busy) throw new BootmedicError('SERVICE_DRILL_BUSY', 'a drill is already running', { fix: 'Wait for it to end.', exit: 'busy' });
      const d: DrillSummary = { id: `drill-${state.drills.length + 1}`, status: 'running', scenarios, seed, done: 0, startedAt: new Date().toISOString() };
      state.drills.push(d);
      return d;
    },
    drills: () => state.drills,
    drill: (id) => state.drills.find((d) => d.id === id),
    ready: () => state.ready,
    config: () => config,
    reload: async () => {
      state.reloads += 1;
      return { added: [], removed: [], kept: state.fleet.map((v) => v.name), changed: [] };
    },
    close: async () => {
      state.closed = true;
    },
  };
  return {
    service, hub, home, state,
    async cleanup() {
      store.close();
      await ledger.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
