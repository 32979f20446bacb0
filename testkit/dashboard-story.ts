// The dashboard's browser tests' server under test: the fake API of fake-api.ts with canned
// state (four VMs, a handed-over incident, a real ledger for the proofs) and the story's
// steps, pushed as the real service would send them: a tiny VM fails on a kernel panic, an
// incident opens with its evidence and causes, the heal makes it ready; plus a drill and
// quiet state changes. Shared by the Chromium and the Firefox tests, so both browsers see
// the same pages.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLedger, type Ledger } from '../src/ledger/index.ts';
import { startFakeApi, type FakeApi } from './fake-api.ts';
import { tempHome, fixedNow } from './ledger/fixtures.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What the browser test needs from a server: where it is, a good and a bad token, and the story's two steps. */
export type ServerUnderTest = {
  kind: 'fake' | 'real';
  url: string;
  token: string;
  badToken: string;
  /** The VM that fails on a panic and is healed, and the VMs that stay well. */
  vm: string;
  others: string[];
  /** The failure shows up (the fake pushes it; a real server's tiny VM panics by itself). */
  fail(): Promise<{ incident: string; evidence: string; topCause: string }>;
  /** The heal runs to a ready boot; `consoleLine`, when known, is a line of its console. */
  heal(): Promise<{ remedy: string; consoleLine?: string }>;
  /** Fake only: runs a drill of `n` scenarios after the page asked for one. */
  drill?: (n: number) => Promise<string>;
  /** Fake only: changes a VM's state without an event, then sends `reload`, or drops the stream. */
  quietly?: (vm: string, state: 'stalled' | 'ready' | 'handed-over', then: 'reload' | 'drop') => void;
  close(): Promise<void>;
};

const READY_LINE = 'bootmedic-tiny: reached ready';
const PANIC = 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)';

/** The fake server under test, serving the dashboard build in dist/web (buildDashboard() makes it). */
export async function startDashboardStory(): Promise<ServerUnderTest> {
  const home = tempHome();
  const ledger: Ledger = await openLedger({ home: home.home, origin: 'test.bootmedic.local/ledger', now: fixedNow });
  for (let i = 0; i < 6; i++) await ledger.append({ type: 'boot-outcome', vm: 'tiny-panic', data: { bootId: `b-000${i}`, status: 'ready' } });
  const vm = 'tiny-panic';
  const t0 = Date.parse('2026-12-07T03:00:00Z');
  const readyBoot = (n: number, ms: number) => ({
    bootId: `b-000${n}`, status: 'ready', cause: 'ready', reason: 'reached ready', startedAt: new Date(t0 + n * 60_000).toISOString(), durationMs: ms,
    timeline: [{ phase: 'firmware', atMs: 300 }, { phase: 'bootloader', atMs: 900 }, { phase: 'kernel', atMs: 1500 }, { phase: 'initramfs', atMs: 3200 }, { phase: 'init', atMs: 4100 }, { phase: 'ready', atMs: ms }],
  });
  const boots = [readyBoot(3, 5600), readyBoot(2, 5100), readyBoot(1, 5400), readyBoot(0, 5200)];
  const verdict = (b: ReturnType<typeof readyBoot>) => ({ bootId: b.bootId, status: b.status, cause: b.cause, reason: b.reason, startedAt: b.startedAt, durationMs: b.durationMs });
  const fake: FakeApi = await startFakeApi({
    webDir: join(root, 'dist/web'),
    tokens: { 'viewer-token-1': 'viewer', 'operator-token-1': 'operator' },
    ledger,
    state: {
      vms: [
        { name: 'debian-1', source: 'libvirt', state: 'ready', heal: false, lastVerdict: { bootId: 'd-1', status: 'ready', cause: 'ready', reason: 'reached ready', startedAt: new Date(t0).toISOString(), durationMs: 31_200 }, bootTrend: [30_100, 32_500, 31_200] },
        { name: vm, source: 'qemu', state: 'booting', heal: true, lastVerdict: verdict(boots[0]!), bootTrend: [5200, 5400, 5100, 5600] },
        { name: 'tiny-ok', source: 'qemu', state: 'ready', heal: true, lastVerdict: { bootId: 'o-1', status: 'ready', cause: 'ready', reason: 'reached ready', startedAt: new Date(t0).toISOString(), durationMs: 4900 }, bootTrend: [4800, 5000, 4900] },
        // One ready boot so far: no sparkline yet (one point is no trend).
        { name: 'tiny-new', source: 'qemu', state: 'ready', heal: true, lastVerdict: { bootId: 'n-1', status: 'ready', cause: 'ready', reason: 'reached ready', startedAt: new Date(t0).toISOString(), durationMs: 7400 }, bootTrend: [7400] },
      ],
      boots: { [vm]: boots },
      // An incident healing gave to a human, with its hand-over report (as src/recovery/forensics.ts writes it).
      incidents: {
        'inc-5': {
          id: 'inc-5', vm: 'debian-1', status: 'handed-over', openedAt: new Date(t0 - 3_600_000).toISOString(), detectedAt: new Date(t0 - 3_600_000).toISOString(), closedAt: new Date(t0 - 3_000_000).toISOString(),
          reason: 'no applicable remedy left', state: 'handed-over', posterior: [{ cause: 'disk-corrupt', probability: 0.64 }, { cause: 'rootfs-corrupt', probability: 0.3 }], attempts: 2,
          diagnosis: { causes: [{ cause: 'disk-corrupt', probability: 0.64 }], explanation: { summary: 'disk-corrupt (64%) over rootfs-corrupt', evidence: [] } },
          steps: [
            { seq: 1, remedy: 'golden-restore', state: 'done', outcome: 'failed', startedAt: new Date(t0 - 3_500_000).toISOString(), finishedAt: new Date(t0 - 3_400_000).toISOString() },
            { seq: 2, remedy: 'image-repair', state: 'done', outcome: 'failed', startedAt: new Date(t0 - 3_300_000).toISOString(), finishedAt: new Date(t0 - 3_100_000).toISOString() },
          ],
          forensics: ['/var/lib/bootmedic/forensics/inc-5/step-1'],
        },
      },
      handOvers: {
        'inc-5': {
          markdown: '# Incident inc-5: debian-1 handed over\n\nReason: no applicable remedy left\n\nDiagnosis: disk-corrupt (64%) over rootfs-corrupt\n\n## Posterior after the remedies tried\n- disk-corrupt: 64.0%\n- rootfs-corrupt: 30.0%\n\n## Steps\n- 1. golden-restore: failed\n- 2. image-repair: failed\n\n## Forensic copies\n- /var/lib/bootmedic/forensics/inc-5/step-1\n- /var/lib/bootmedic/forensics/inc-5/step-2\n\nLast boot: d-9 (console: /var/lib/bootmedic/boots/d-9/console.log)\n<img src=x onerror=alert(1)>\n',
          report: { incidentId: 'inc-5', vm: 'debian-1', reason: 'no applicable remedy left', forensicSnapshots: ['/var/lib/bootmedic/forensics/inc-5/step-1', '/var/lib/bootmedic/forensics/inc-5/step-2'], lastBoot: 'd-9' },
        },
      },
    },
  });
  const s = fake.state;
  const setVm = (patch: Partial<(typeof s.vms)[number]>) => {
    s.vms = s.vms.map((v) => (v.name === vm ? { ...v, ...patch } : v));
  };
  let drillN = 0;
  fake.onStartDrill = ({ scenarios, seed }) => ({ id: `drill-${++drillN}`, status: 'running', scenarios, seed, done: 0, startedAt: new Date().toISOString() });
  return {
    kind: 'fake',
    url: fake.url,
    token: 'operator-token-1',
    badToken: 'not-a-token-the-server-knows',
    vm,
    others: ['debian-1', 'tiny-ok'],
    async fail() {
      const bootId = 'b-0004';
      const lines = ['SeaBIOS (version 1.16.2-debian-1.16.2-1)', 'Booting from ROM...', 'Linux version 6.1.0-28-amd64', 'Command line: console=ttyS0 root=/dev/vdz', 'Freeing unused kernel image memory: 2036K', 'VFS: Cannot open root device "vdz" or unknown-block(0,0): error -6', PANIC, 'CPU: 0 PID: 1 Comm: swapper/0 Not tainted 6.1.0-28-amd64', '---[ end Kernel panic - not syncing ]---'];
      const finding = { id: 'kernel.panic.vfs-root', family: 'kernel-panic', title: 'Kernel panic: cannot mount the root file system', component: 'kernel', layer: 'os', severity: 'critical', phase: 'kernel', stopsBoot: true, evidence: [{ line: 7, text: PANIC }] };
      fake.push({ kind: 'vm-state', vm, state: 'booting' });
      fake.push({ kind: 'boot', vm, event: { type: 'boot-start', vm, bootId, accel: 'tcg', accelReason: 'no /dev/kvm', atMs: 0 } } as never);
      lines.forEach((text, n) => fake.push({ kind: 'console', vm, bootId, line: n + 1, text, atMs: 200 * n }));
      fake.push({ kind: 'boot', vm, event: { type: 'finding', vm, bootId, finding } } as never);
      const failed = { bootId, status: 'failed', cause: 'kernel-panic', reason: 'kernel panic: VFS: Unable to mount root fs', startedAt: new Date(t0 + 4 * 60_000).toISOString(), durationMs: 2300, timeline: [{ phase: 'firmware', atMs: 300 }, { phase: 'bootloader', atMs: 900 }, { phase: 'kernel', atMs: 1500 }], findings: [finding], evidence: finding.evidence };
      s.boots[vm] = [failed, ...boots];
      s.consoles[bootId] = lines;
      const causes = [{ cause: 'root-device-missing', probability: 0.81 }, { cause: 'initramfs-missing-driver', probability: 0.12 }, { cause: 'disk-corrupt', probability: 0.07 }];
      const detected = new Date(t0 + 4 * 60_000 + 2300).toISOString();
      s.incidents['inc-7'] = {
        id: 'inc-7', vm, status: 'open', bootId, openedAt: detected, detectedAt: detected, state: 'diagnosed', posterior: causes, attempts: 0, steps: [],
        diagnosis: {
          causes,
          // The shape of src/diagnose's Explanation.
          explanation: {
            summary: 'root-device-missing (81.0%) over initramfs-missing-driver (12.0%), mostly because of: VFS cannot mount root (kernel.panic.vfs-root, +6.2 bits)',
            evidence: [{ evidence: 'kernel.panic.vfs-root', detail: 'VFS cannot mount root', forTop: 6.2, raised: [{ cause: 'root-device-missing', bits: 6.2 }], lowered: [{ cause: 'disk-corrupt', bits: -1.3 }] }],
            versus: { top: 'root-device-missing', runnerUp: 'initramfs-missing-driver', priorBits: 0.5, items: [], posteriorBits: 2.8 },
          },
        },
        forensics: ['snapshot bootmedic-inc-7-1 (qcow2 internal)'],
      };
      setVm({ state: 'failed', lastVerdict: { bootId, status: 'failed', cause: 'kernel-panic', reason: failed.reason, startedAt: failed.startedAt, durationMs: 2300 }, openIncident: 'inc-7' });
      fake.push({ kind: 'boot', vm, event: { type: 'verdict', vm, bootId, status: 'failed', reason: failed.reason, atMs: 2300, detectedAt: 2300 } } as never);
      fake.push({ kind: 'vm-state', vm, state: 'failed', reason: failed.reason });
      fake.push({ kind: 'heal', vm, event: { type: 'incident-opened', incidentId: 'inc-7', vm, bootId, detectedAt: 2300 } } as never);
      return { incident: 'inc-7', evidence: PANIC, topCause: 'root-device-missing' };
    },
    async heal() {
      const inc = s.incidents['inc-7']!;
      const remedy = 'restore-kernel-cmdline';
      inc.steps = [{ seq: 1, remedy, state: 'started', startedAt: new Date().toISOString() }];
      inc.state = 'trying';
      setVm({ state: 'healing' });
      fake.push({ kind: 'heal', vm, event: { type: 'action', incidentId: 'inc-7', seq: 1, remedy, action: {}, attempt: 1 } } as never);
      fake.push({ kind: 'vm-state', vm, state: 'healing' });
      const ok = readyBoot(5, 5300);
      // The verification boot, streamed: its console replaces the failed boot's on the VM page.
      fake.push({ kind: 'boot', vm, event: { type: 'boot-start', vm, bootId: ok.bootId, accel: 'tcg', accelReason: 'no /dev/kvm', atMs: 0 } } as never);
      const bootLines = ['Linux version 6.1.0-28-amd64', 'Command line: console=ttyS0 root=/dev/vda', 'Run /init as init process', READY_LINE];
      bootLines.forEach((text, n) => fake.push({ kind: 'console', vm, bootId: ok.bootId, line: n + 1, text, atMs: 300 * n }));
      s.consoles[ok.bootId] = bootLines;
      inc.steps = [{ seq: 1, remedy, state: 'done', outcome: 'fixed', detail: { status: 'ready', bootId: ok.bootId }, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() }];
      Object.assign(inc, { status: 'recovered', state: 'healed', closedAt: new Date().toISOString(), mttrMs: 14_200, fixedBy: remedy, attempts: 1 });
      s.boots[vm] = [ok, ...(s.boots[vm] ?? [])];
      setVm({ state: 'ready', lastVerdict: verdict(ok), bootTrend: [5200, 5400, 5100, 5600, 5300] });
      s.vms = s.vms.map((v) => (v.name === vm ? (({ openIncident: _o, ...rest }) => rest)(v) : v));
      fake.push({ kind: 'heal', vm, event: { type: 'result', incidentId: 'inc-7', seq: 1, remedy, status: 'ready', fixed: true, bootId: ok.bootId } } as never);
      fake.push({ kind: 'heal', vm, event: { type: 'incident-closed', incidentId: 'inc-7', status: 'recovered', mttrMs: 14_200, fixedBy: remedy } } as never);
      fake.push({ kind: 'vm-state', vm, state: 'ready' });
      await ledger.append({ type: 'action', vm, data: { incident: 'inc-7', remedy, fixed: true } });
      fake.push({ kind: 'ledger', size: ledger.size });
      return { remedy, consoleLine: READY_LINE };
    },
    quietly(name, state, then) {
      s.vms = s.vms.map((v) => (v.name === name ? { ...v, state } : v));
      if (then === 'reload') fake.reload();
      else fake.dropClients();
    },
    async drill(n: number) {
      const d = s.drills['drill-1']!;
      const results = Array.from({ length: n }, (_, i) => ({ index: i + 1, name: ['kernel-panic-root', 'grub-missing-cfg', 'fstab-typo'][i % 3]!, outcome: i === n - 1 ? 'handed-over' : 'recovered', expectedOutcome: i === n - 1 ? 'handed-over' : 'recovered', ok: true, mttrMs: 9000 + 3000 * i, topCause: 'root-device-missing', topProbability: 0.8, top1Correct: true }));
      for (let i = 0; i < n; i++) fake.push({ kind: 'drill', drillId: d.id, progress: { done: i, total: n, current: results[i]!.name, phase: 'scenario' } } as never);
      const totals = { scenarios: n, detected: n, detectionRate: 1, top1Accuracy: 1, recoverable: n - 1, recovered: n - 1, recoveryRate: 1, unrecoverable: 1, handedOver: 1, handOverRate: 1, errors: 0, mttrMedianMs: 12_000, mttrP95Ms: 15_000, mttrMaxMs: 15_000, cleanBootMs: 5000 };
      const { index } = await ledger.append({ type: 'drill', data: { id: d.id, seed: d.seed, totals } });
      s.drills[d.id] = { ...d, status: 'done', done: n, totals: totals as never, report: { totals, scenarios: results, ledger: { index, checkpoint: ledger.checkpoint() } } };
      s.drillFiles[d.id] = { html: `<!doctype html><html><head><style>body{font:14px sans-serif}</style></head><body><h1>Drill ${d.id}</h1><p>seed ${d.seed}</p></body></html>`, md: `# Drill ${d.id}\n\nseed ${d.seed}, ${n} scenarios\n` };
      fake.push({ kind: 'drill-end', drillId: d.id, ok: true, totals: totals as never });
      return d.id;
    },
    async close() {
      await fake.close();
      await ledger.close();
      home.cleanup();
    },
  };
}
