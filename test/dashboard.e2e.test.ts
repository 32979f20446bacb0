// The dashboard in a real browser (Debian's Chromium through playwright-core) against a
// server under test made by createServerUnderTest(): today the fake API of testkit/
// (canned state and a pushable SSE stream, with a real ledger for the proofs); the real
// `bootmedic serve` slots in there with a tiny VM that fails on a panic and is healed.
// It follows the flow: the fleet shows the VM booting, then failed, live; the
// incident page shows the evidence line and the top cause; the heal runs; the VM shows
// ready, live. Then the ledger proof is checked in the browser, a phone-width dark page
// has no horizontal overflow, and a token the server rejects gets nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { openLedger, type Ledger } from '../src/ledger/index.ts';
import { buildDashboard, chromiumSkip, launchChromium, startFakeApi, tempHome, fixedNow, type FakeApi } from '../testkit/index.ts';
import { firstLoadSize, FIRST_LOAD_BUDGET } from '../web/index.ts';

// The page's globals, as the functions passed to page.evaluate() see them (the repository's
// type check has no DOM library).
declare const window: { innerWidth: number } & Record<string, unknown>;
declare const location: { hash: string };
declare const document: { documentElement: { scrollWidth: number }; body: object };
declare const getComputedStyle: (el: object) => { backgroundColor: string };
declare const localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };

const root = fileURLToPath(new URL('..', import.meta.url));
const skip = chromiumSkip;
const WAIT = { timeout: 20_000 };
/** For what waits on a VM boot (a real server's tiny VM under TCG emulation, on a busy host). */
const BOOT_WAIT = { timeout: 240_000 };

/** What the browser test needs from a server: where it is, a good and a bad token, and the story's two steps. */
type ServerUnderTest = {
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

/**
 * The one place that picks the server under test. The real one: `bootmedic serve` on a
 * temporary home and a loopback port, watching a tiny VM whose kernel panics (then healed),
 * with `bootmedic token create --role operator` for `token`; its `fail()` and `heal()` only
 * wait (the VM does both by itself, and the page is what the test watches), and it has no
 * `drill` (a real drill is too slow for this test).
 */
async function createServerUnderTest(): Promise<ServerUnderTest> {
  return createFakeServer();
}

const READY_LINE = 'bootmedic-tiny: reached ready';
const PANIC = 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)';

async function createFakeServer(): Promise<ServerUnderTest> {
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

let sut: ServerUnderTest;
let ctx: BrowserContext;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
let shots: string;
const cspErrors: string[] = [];

async function shot(page: Page, name: string): Promise<void> {
  const file = join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  mkdirSync('/tmp/shots', { recursive: true });
  copyFileSync(file, join('/tmp/shots', `${name}.png`));
}

function watch(page: Page): Page {
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
  });
  return page;
}

const badge = (page: Page, scope: string) => page.locator(`${scope} .badge`).first();

before(async () => {
  if (skip) return;
  // The page under test is the one `npm run build` makes.
  buildDashboard();
  sut = await createServerUnderTest();
  shots = mkdtempSync(join(tmpdir(), 'bootmedic-dashboard-shots-'));
  browser = await launchChromium();
  ctx = browser.ctx;
});

after(async () => {
  await browser?.close();
  await sut?.close();
});

test('the built page stays under the size budget and loads no inline script or style', { skip }, () => {
  const size = firstLoadSize(join(root, 'dist/web'));
  assert.ok(size.assets.some((a) => a.file.endsWith('.js')) && size.assets.some((a) => a.file.endsWith('.css')), 'index.html loads a script and a style sheet');
  assert.ok(size.allGzip <= FIRST_LOAD_BUDGET, `the JS and CSS are ${size.allGzip} bytes compressed, over the ${FIRST_LOAD_BUDGET}-byte budget`);
  const html = readFileSync(join(root, 'dist/web/index.html'), 'utf8');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/, 'no inline script or style (the CSP forbids them)');
});

test('a VM fails on a panic, the incident shows the evidence and the top cause, the heal makes it ready: all live', { skip }, async (t) => {
  t.diagnostic(`screenshots: ${shots} (copies in /tmp/shots)`);
  const page = watch(ctx.pages()[0] ?? (await ctx.newPage()));
  await page.goto(sut.url);
  await page.locator('input[name=token]').waitFor(WAIT);
  await page.fill('input[name=token]', sut.token);
  await page.click('form.signin button[type=submit]');

  const card = `.vm-card[data-vm="${sut.vm}"]`;
  // The fake holds the VM booting until fail(); a real VM may be anywhere in its first boot.
  await page.locator(sut.kind === 'fake' ? `${card} .vm-top .badge[data-state="booting"]` : card).waitFor(WAIT);
  for (const name of sut.others) assert.equal(await page.locator(`.vm-card[data-vm="${name}"]`).count(), 1, `the fleet lists ${name}`);
  await page.locator('.live.live').waitFor(WAIT);
  await shot(page, '1-fleet-booting');
  // A marker on window survives only as long as the page is not reloaded.
  await page.evaluate(() => (window['noReload'] = 1));

  const failure = await sut.fail();
  await page.locator(`${card} .vm-top .badge[data-state="failed"]`).waitFor(BOOT_WAIT);
  await page.locator(`${card} .vm-verdict .badge[data-state="failed"]`).waitFor(WAIT);
  assert.equal(await page.locator('.vm-card').first().getAttribute('data-vm'), sut.vm, 'the failed VM comes first');
  assert.match(await page.locator(`${card} .vm-verdict`).innerText(), /failed[\s\S]*kernel-panic/i);
  await shot(page, '2-fleet-failed');

  // The incident page, reached from the fleet.
  await page.click(`${card} a.incident-link`);
  await page.locator('h1', { hasText: `Incident ${failure.incident}` }).waitFor(WAIT);
  await page.locator('.console.evidence .cl', { hasText: failure.evidence }).waitFor(WAIT);
  assert.equal((await page.locator('.causes li.top .cause-name').innerText()).trim(), failure.topCause);
  assert.match(await page.locator('.causes li.top .prob').innerText(), /\d+ %/);
  await shot(page, '3-incident-open');

  // The VM page: the console with the panic line highlighted and linked to its finding.
  await page.click(`.crumbs a[href="#/vms/${sut.vm}"]`);
  await page.locator('.console .cl.hit', { hasText: failure.evidence }).waitFor(WAIT);
  await page.locator('.findings li').first().waitFor(WAIT);
  assert.equal(await badge(page, 'h1').getAttribute('data-state'), 'failed');
  await shot(page, '4-vm-failed');

  const healed = await sut.heal();
  await page.locator('h1 .badge[data-state="ready"]').waitFor(BOOT_WAIT);
  await page.locator('.page-head .summary .badge[data-state="ready"]').waitFor(WAIT);
  assert.equal(await page.locator('.page-head .incident-link').count(), 0, 'no open incident is shown any more');
  if (healed.consoleLine) {
    // The verification boot's console arrived line by line over the event stream.
    await page.locator('.console .cl', { hasText: healed.consoleLine }).waitFor(WAIT);
    assert.equal(await page.locator('.console .cl', { hasText: PANIC }).count(), 0, "the failed boot's console made way for the new boot's");
  }
  await page.locator('.uchart canvas').first().waitFor(WAIT);
  await shot(page, '5-vm-ready');

  await page.evaluate((id) => (location.hash = `#/incidents/${id}`), failure.incident);
  await page.locator('h1 .badge[data-state="recovered"]').waitFor(BOOT_WAIT);
  assert.match(await page.locator('.steps').innerText(), new RegExp(healed.remedy));
  assert.match(await page.locator('.page-head .summary').innerText(), /MTTR \d/);
  await shot(page, '6-incident-recovered');

  await page.evaluate(() => (location.hash = '#/'));
  await page.locator(`${card} .vm-top .badge[data-state="ready"]`).waitFor(WAIT);
  assert.equal(await page.evaluate(() => window['noReload']), 1, 'the page was never reloaded');
  assert.deepEqual(cspErrors, [], 'nothing was blocked by the content security policy');
});

test('the ledger page checks an entry against the signed checkpoint with WebCrypto', { skip }, async () => {
  const page = ctx.pages()[0]!;
  await page.evaluate(() => (location.hash = '#/ledger'));
  await page.locator('pre.note').waitFor(WAIT);
  const first = page.locator('.ledger-rows > li').first();
  await first.locator('button').click();
  await first.locator('.check[data-inclusion="ok"][data-signature="verified"]').waitFor(WAIT);
  assert.match(await first.locator('.check').innerText(), /included in the tree of \d+ entries/);
  await shot(page, '7-ledger-verified');
});

test('a drill started from the page shows its progress and its report', { skip }, async (t) => {
  if (sut.drill === undefined) return t.skip('the server under test runs real drills; not driven here');
  const page = ctx.pages()[0]!;
  await page.evaluate(() => (location.hash = '#/drills'));
  await page.fill('input[name=seed]', '42');
  await page.fill('input[name=count]', '3');
  await page.click('form.inline-form button[type=submit]');
  await page.locator('[role=status]', { hasText: 'started' }).waitFor(WAIT);
  await page.locator('.drill-row progress').waitFor(WAIT);
  const id = await sut.drill(3);
  await page.locator('.drill-row .badge[data-state="done"]').waitFor(WAIT);
  await page.click(`a[href="#/drills/${id}"]`);
  await page.locator('.tile-v').first().waitFor(WAIT);
  assert.equal(await page.locator('table tbody tr').count(), 3);
  // The last scenario's hand-over was the expected outcome: said so, and not in the failure colour.
  const handed = page.locator('table tbody tr').nth(2).locator('.badge[data-state="handed-over"]');
  assert.equal(await handed.innerText(), 'HANDED-OVER (EXPECTED)');
  assert.doesNotMatch((await handed.getAttribute('class'))!, /\bbad\b/);
  assert.match(await page.locator('.hbars').first().innerText(), /detection[\s\S]*100 %[\s\S]*recovery/);
  assert.equal(await page.locator('.hbars').nth(1).locator('li').count(), 4, 'a clean boot for scale, then one bar per scenario');
  assert.match(await page.locator('.hbars').nth(1).innerText(), /clean boot[\s\S]*1 kernel-panic-root/);
  await page.locator('pre.note').waitFor(WAIT);
  await shot(page, '8-drill-report');

  // The report files: the Markdown shown on the page, the HTML saved as a file (a link cannot carry the token).
  await page.click('button[data-report="md"]');
  assert.match(await page.locator('pre.report-md').innerText(), new RegExp(`^# Drill ${id}\\s+seed 42, 3 scenarios`));
  const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.click('button[data-report="html"]')]);
  assert.equal(download.suggestedFilename(), `bootmedic-drill-${id}.html`);
  assert.match(readFileSync((await download.path())!, 'utf8'), new RegExp(`<h1>Drill ${id}</h1>`));
  await page.click('button[data-report="md"]');
  await page.locator('pre.report-md').waitFor({ state: 'detached', ...WAIT });
  assert.equal(await page.locator('button[data-report="md"]').innerText(), 'Show the Markdown report', 'the second click hid it');
});

test('a handed-over incident shows its hand-over report and every forensic snapshot; one ready boot draws no sparkline', { skip }, async (t) => {
  if (sut.kind !== 'fake') return t.skip('the fake holds the handed-over incident');
  const page = ctx.pages()[0]!;
  await page.evaluate(() => (location.hash = '#/incidents/inc-5'));
  const report = page.locator('#handover .md');
  await report.waitFor(WAIT);
  assert.equal(await report.locator('h3').innerText(), 'Incident inc-5: debian-1 handed over');
  assert.deepEqual(await report.locator('h4').allInnerTexts(), ['Posterior after the remedies tried', 'Steps', 'Forensic copies'].map((x) => x.toUpperCase()));
  assert.match(await report.innerText(), /2\. image-repair: failed/);
  assert.equal(await report.locator('img').count(), 0, 'HTML in the report stays text');
  // The incident's own snapshot and the report's second one, each once.
  assert.deepEqual(await page.locator('#forensics .forensics li').allInnerTexts(), ['/var/lib/bootmedic/forensics/inc-5/step-1', '/var/lib/bootmedic/forensics/inc-5/step-2']);
  await shot(page, '11-incident-handed-over');
  // An incident without a report has no hand-over section (its 404 is not an error on the page).
  await page.evaluate(() => (location.hash = '#/incidents/inc-7'));
  await page.locator('.causes').waitFor(WAIT);
  assert.equal(await page.locator('#handover').count(), 0);
  assert.equal(await page.locator('[role=alert]').count(), 0);

  await page.evaluate(() => (location.hash = '#/'));
  const one = page.locator('.vm-card[data-vm="tiny-new"]');
  await one.waitFor(WAIT);
  assert.equal(await one.locator('svg.spark').count(), 0, 'no sparkline from one point');
  assert.match(await one.locator('.vm-trend').innerText(), /1 ready boot: 7\.4 s/);
  const many = page.locator('.vm-card[data-vm="tiny-ok"]');
  assert.equal(await many.locator('.vm-trend svg.spark').count(), 1);
  // A VM healing gave up on links to its hand-over report.
  sut.quietly!('debian-1', 'handed-over', 'reload');
  const link = page.locator('.vm-card[data-vm="debian-1"] a.handover-link');
  await link.waitFor(WAIT);
  assert.equal(await link.getAttribute('href'), '#/incidents/inc-5');
  sut.quietly!('debian-1', 'ready', 'reload');
  await page.locator('.vm-card[data-vm="debian-1"] .vm-top .badge[data-state="ready"]').waitFor(WAIT);
  // The sparkline and the source line do not overlap.
  const a = (await many.locator('svg.spark').boundingBox())!;
  const b = (await many.locator('.vm-meta').boundingBox())!;
  assert.ok(a.y + a.height <= b.y, `the sparkline (bottom ${a.y + a.height}) stays above the source line (top ${b.y})`);
});

test('a reload event, and a dropped stream once it reconnects, make the page refetch', { skip }, async (t) => {
  if (sut.quietly === undefined) return t.skip('only the fake can change state without an event');
  const page = ctx.pages()[0]!;
  await page.evaluate(() => (location.hash = '#/'));
  await page.locator('.live.live').waitFor(WAIT);
  const other = sut.others[1]!;
  sut.quietly(other, 'stalled', 'reload');
  await page.locator(`.vm-card[data-vm="${other}"] .vm-top .badge[data-state="stalled"]`).waitFor(WAIT);
  assert.equal(await page.locator('.vm-card').first().getAttribute('data-vm'), other, 'a stalled VM comes first as well');
  sut.quietly(other, 'ready', 'drop');
  await page.locator(`.vm-card[data-vm="${other}"] .vm-top .badge[data-state="ready"]`).waitFor(WAIT);
  await page.locator('.live.live').waitFor(WAIT);
});

test('at phone width in the dark theme no page scrolls sideways', { skip }, async () => {
  const page = watch(await ctx.newPage());
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(sut.url);
  for (const [name, hash, ready] of [['fleet', '#/', '.vm-card'], ['vm', `#/vms/${sut.vm}`, '.console'], ['incident', '#/incidents/inc-7', '.causes'], ['drills', '#/drills', 'form.inline-form'], ['ledger', '#/ledger', 'pre.note']] as const) {
    await page.evaluate((h) => (location.hash = h), hash);
    await page.locator(ready).first().waitFor(WAIT);
    const m = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth, bg: getComputedStyle(document.body).backgroundColor }));
    assert.ok(m.sw <= m.iw, `${name} page is ${m.sw} px wide in a ${m.iw} px window`);
    const [r, g, b] = m.bg.match(/\d+/g)!.map(Number) as [number, number, number];
    assert.ok(r + g + b < 150, `${name} page background ${m.bg} is dark`);
    await shot(page, `9-phone-dark-${name}`);
  }
  // The toggle overrides the system's choice: auto → dark → light, kept across a reload.
  const theme = page.locator('header.top button', { hasText: 'theme:' });
  await theme.click();
  await theme.click();
  await page.locator('html[data-theme="light"]').waitFor(WAIT);
  await page.reload();
  await page.locator('.vm-card, pre.note').first().waitFor(WAIT);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const [r, g, b] = bg.match(/\d+/g)!.map(Number) as [number, number, number];
  assert.ok(r + g + b > 600, `the light theme chosen on a dark system stays light after a reload (background ${bg})`);
  await theme.click();
  await page.close();
});

test('a token the server rejects gets the sign-in form and no fleet data', { skip }, async () => {
  const page = watch(await ctx.newPage());
  const apiAnswers: number[] = [];
  page.on('response', (r) => {
    if (r.url().includes('/api/v1/')) apiAnswers.push(r.status());
  });
  await page.goto(sut.url);
  // Signed in from the tests above: sign out, then try the bad token.
  await page.click('button:has-text("Sign out")');
  await page.locator('input[name=token]').waitFor(WAIT);
  apiAnswers.length = 0;
  await page.fill('input[name=token]', sut.badToken);
  await page.click('form.signin button[type=submit]');
  await page.locator('form.signin [role=alert]').waitFor(WAIT);
  assert.match(await page.locator('form.signin [role=alert]').innerText(), /did not accept this token/);
  const text = await page.locator('body').innerText();
  for (const name of [sut.vm, ...sut.others]) assert.ok(!text.includes(name), `the page shows nothing of ${name}`);
  assert.ok(apiAnswers.length > 0 && apiAnswers.every((s) => s === 401), `every API answer was 401: ${apiAnswers.join(', ')}`);
  assert.equal(await page.evaluate(() => localStorage.getItem('bootmedic.token')), null, 'the rejected token is not kept');
  await shot(page, '10-rejected-token');

  // A rejected token left in storage: the page opens on the form, with nothing of the fleet.
  await page.evaluate((t) => localStorage.setItem('bootmedic.token', t), sut.badToken);
  await page.reload();
  await page.locator('form.signin [role=alert]').waitFor(WAIT);
  const again = await page.locator('body').innerText();
  for (const name of [sut.vm, ...sut.others]) assert.ok(!again.includes(name), `the page shows nothing of ${name}`);
  await page.close();
});
