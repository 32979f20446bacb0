// The dashboard in Debian's Chromium (playwright-core) against the real `bootmedic serve`:
// a real tiny VM with too little memory panics, the fleet page shows it failed, live; the
// incident page shows the evidence line and the top cause; the service heals it (more
// memory, proved by a boot); the VM shows ready, live, without a page reload. The same
// page with a token the server does not know gets nothing. Beside it, a real Prometheus
// scrapes the server's /metrics and a real Alertmanager receives its alerts: the failed and
// the healed boot show in Prometheus' query API, and BootFailed arrives with its labels,
// then resolves. (test/dashboard.e2e.test.ts drives every page against a fake API; this one
// proves the real server and service.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { runToolSync } from '../src/core/index.ts';
import { buildDashboard, chromiumSkip, hasTool, launchChromium, startAlertmanager, startPrometheus, waitFor, type RunningServer, screenshotFolder } from '../testkit/index.ts';

declare const window: Record<string, unknown>;
declare const location: { hash: string };

const root = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(root, 'bin/bootmedic.js');
const skip = chromiumSkip;
const VM = 'tiny-low-memory';
/** A tiny VM's boot, a heal and its proving boot, under TCG on a busy 2-core host. */
const BOOT_WAIT = { timeout: 300_000 };
const WAIT = { timeout: 30_000 };

let home: string;
let serve: ChildProcess | undefined;
let url: string;
let token: string;
let ctx: BrowserContext;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
let shots: ReturnType<typeof screenshotFolder>;
const stderr: string[] = [];
let am: RunningServer | undefined;
let prom: RunningServer | undefined;
type AmAlert = { labels: Record<string, string>; annotations: Record<string, string>; endsAt: string; status: { state: string } };
/** The first active BootFailed of the VM that Alertmanager listed (polled from the start: the heal follows within seconds). */
let firstBootFailed: AmAlert | undefined;
let polling: ReturnType<typeof setInterval> | undefined;
const amAlerts = async (): Promise<AmAlert[]> => (await (await fetch(`${am!.url}/api/v2/alerts`)).json()) as AmAlert[];

const shot = (page: Page, name: string) => shots.shot(page, name);

before(async () => {
  if (skip) return;
  buildDashboard();
  home = mkdtempSync(join(tmpdir(), 'bootmedic-serve-e2e-'));
  const config = join(home, 'bootmedic.yaml');
  if (hasTool('prometheus-alertmanager')) am = await startAlertmanager();
  const alerting = am === undefined ? '' : `alertmanager:\n  urls: ['${am.url}']\n  resendSeconds: 5\n`;
  writeFileSync(config, `listen: 127.0.0.1:0\nvms:\n  files:\n    - ${join(root, 'examples/faults/low-memory.yaml')}\nheal:\n  enabled: true\n${alerting}`);
  if (am !== undefined) {
    polling = setInterval(() => {
      amAlerts().then(
        (list) => (firstBootFailed ??= list.find((a) => a.labels['alertname'] === 'BootFailed' && a.labels['vm'] === VM && a.status.state === 'active')),
        () => undefined,
      );
    }, 250);
  }
  const made = runToolSync(process.execPath, [BIN, 'token', 'create', '--role', 'operator', '--home', home], { timeoutMs: 30_000, what: 'bootmedic token create' });
  token = made.stdout.toString().trimEnd().split('\n').at(-1)!;
  serve = spawn(process.execPath, [BIN, 'serve', '--home', home, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  serve.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    serve!.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /serving at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m) resolve(m[1]!);
    });
    serve!.once('exit', (code) => reject(new Error(`bootmedic serve exited ${code}: ${stderr.join('')}`)));
  });
  if (hasTool('prometheus')) {
    writeFileSync(join(home, 'scrape-token'), `${token}\n`);
    prom = await startPrometheus(
      ['global: { scrape_interval: 1s }', 'scrape_configs:', '  - job_name: bootmedic', '    authorization:', `      credentials_file: ${join(home, 'scrape-token')}`, '    static_configs:', `      - targets: ['${new URL(url).host}']`, ''].join('\n'),
    );
  }
  shots = screenshotFolder('serve');
  browser = await launchChromium();
  ctx = browser.ctx;
});

after(async () => {
  if (polling !== undefined) clearInterval(polling);
  await prom?.stop();
  await am?.stop();
  await browser?.close();
  if (serve !== undefined && serve.exitCode === null) {
    const exited = new Promise((r) => serve!.once('exit', r));
    serve.kill('SIGTERM');
    await exited;
  }
  if (home) rmSync(home, { recursive: true, force: true });
});

test('a real VM panics, the dashboard shows it failed with its evidence and top cause, the service heals it, the page shows it ready: all live', { skip }, async (t) => {
  t.diagnostic(`screenshots: ${shots.dir} (copies in /tmp/shots)`);
  const page = await ctx.newPage();
  const csp: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) csp.push(m.text());
  });
  // The link `bootmedic run` prints: the token rides in the address's fragment, then is dropped from it.
  await page.goto(`${url}/#token=${token}`);
  const card = `.vm-card[data-vm="${VM}"]`;
  await page.locator(card).waitFor(WAIT);
  assert.equal(await page.evaluate(() => location.hash), '#/', 'the token left the address bar');
  await page.evaluate(() => (window['noReload'] = 1));
  await shot(page, 'serve-1-fleet');

  // The panic: the last verdict turns failed live, and an incident opens.
  await page.locator(`${card} .vm-verdict .badge[data-state="failed"]`).waitFor(BOOT_WAIT);
  await page.locator(`${card} a.incident-link`).waitFor(BOOT_WAIT);
  assert.match(await page.locator(`${card} .vm-verdict`).innerText(), /failed/i);
  await shot(page, 'serve-2-fleet-failed');

  await page.click(`${card} a.incident-link`);
  await page.locator('h1', { hasText: 'Incident' }).waitFor(WAIT);
  const evidence = page.locator('.console.evidence .cl');
  await evidence.first().waitFor(WAIT);
  assert.match(await page.locator('.console.evidence').innerText(), /Kernel panic|Out of memory/i, 'the evidence line of the panic');
  const top = page.locator('.causes li.top .cause-name');
  await top.waitFor(WAIT);
  assert.equal((await top.innerText()).trim(), 'insufficient-memory');
  assert.match(await page.locator('.causes li.top .prob').innerText(), /\d+ %/);
  await shot(page, 'serve-3-incident');

  // The heal runs by itself; the incident closes as recovered and the VM's verdict is ready.
  await page.locator('h1 .badge[data-state="recovered"]').waitFor(BOOT_WAIT);
  await shot(page, 'serve-4-incident-recovered');
  await page.evaluate(() => (location.hash = '#/'));
  await page.locator(`${card} .vm-verdict .badge[data-state="ready"]`).waitFor(BOOT_WAIT);
  assert.equal(await page.evaluate(() => window['noReload']), 1, 'the page was never reloaded');
  await shot(page, 'serve-5-fleet-ready');
  assert.deepEqual(csp, [], 'nothing was blocked by the content security policy');
});

test('the same page with a token the server does not know gets the sign-in form and no VM', { skip }, async () => {
  const other = await launchChromium();
  try {
    const page = await other.ctx.newPage();
    await page.goto(`${url}/#token=bmt_not-a-token-this-server-gave-out`);
    await page.locator('input[name=token]').waitFor(WAIT);
    assert.equal(await page.locator('.vm-card').count(), 0);
    assert.doesNotMatch(await page.locator('body').innerText(), new RegExp(VM), 'no VM name reaches the page');
    const api = await fetch(`${url}/api/v1/vms`, { headers: { authorization: 'Bearer bmt_not-a-token-this-server-gave-out' } });
    assert.equal(api.status, 401);
    await shot(page, 'serve-6-unknown-token');
  } finally {
    await other.close();
  }
});

test('a real Prometheus scraped the failed and the healed boot from /metrics', { skip: skip || (hasTool('prometheus') ? false : 'prometheus is absent (Debian package prometheus); skipping') }, async () => {
  const query = async (q: string): Promise<number | undefined> => {
    const r = (await (await fetch(`${prom!.url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: { value: [number, string] }[] } };
    const v = r.data.result[0]?.value[1];
    return v === undefined ? undefined : Number(v);
  };
  // The scrape after the heal: the ready verdict counted, no incident open.
  await waitFor('the healed boot in Prometheus', async () => ((await query(`bootmedic_boots_total{vm="${VM}",verdict="ready"}`)) ?? 0) >= 1 && (await query('bootmedic_incidents_open')) === 0 ? true : undefined);
  assert.ok(((await query(`bootmedic_boots_total{vm="${VM}",verdict="failed"}`)) ?? 0) >= 1, 'the failed boot is counted');
  assert.equal(await query('bootmedic_mttr_seconds_count'), 1, 'one incident recovered');
  assert.equal(await query('sum(bootmedic_heal_actions_total{remedy="more-memory",result="ready"})'), 1, 'the heal action is counted with its result');
  assert.equal(await query('up{job="bootmedic"}'), 1);
});

test('a real Alertmanager got BootFailed with its labels and evidence, and saw it resolved after the heal', { skip: skip || (hasTool('prometheus-alertmanager') ? false : 'prometheus-alertmanager is absent; skipping') }, async () => {
  const fired = await waitFor('BootFailed seen in Alertmanager', async () => firstBootFailed);
  assert.equal(fired.labels['severity'], 'critical');
  for (const k of ['cause', 'layer']) assert.ok((fired.labels[k] ?? '') !== '', `label ${k}`);
  assert.match(fired.annotations['evidence'] ?? '', /Kernel panic|Out of memory/i);
  assert.match(fired.annotations['dashboard'] ?? '', new RegExp(`/#/vms/${VM}$`));
  await waitFor('BootFailed resolved', async () => {
    const a = (await amAlerts()).find((x) => x.labels['alertname'] === 'BootFailed' && x.labels['vm'] === VM);
    return a === undefined || Date.parse(a.endsAt) <= Date.now() ? true : undefined;
  });
});

// Last, so the drill's VMs and incidents do not change what the Prometheus and Alertmanager tests count.
test("a real drill (1 scenario, quick) shows on the Drills page with its report files; the ledger page verifies an entry of the real log", { skip }, async (t) => {
  const page = await ctx.newPage();
  await page.goto(`${url}/#token=${token}`);
  await page.locator('.vm-card').first().waitFor(WAIT);
  const started = await fetch(`${url}/api/v1/drills`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ scenarios: 1, seed: 2, quick: true }) });
  assert.equal(started.status, 202, await started.clone().text());
  const { id } = (await started.json()) as { id: string };
  t.diagnostic(`drill ${id}`);
  await page.evaluate(() => (location.hash = '#/drills'));
  const row = page.locator('.drill-row', { has: page.locator(`a[href="#/drills/${id}"]`) });
  await row.waitFor(WAIT);
  await row.locator('.badge[data-state="done"], .badge[data-state="failed"]').waitFor(BOOT_WAIT);
  assert.equal(await row.locator('.badge').getAttribute('data-state'), 'done', await row.innerText());
  await shot(page, 'serve-7-drills');

  await page.click(`a[href="#/drills/${id}"]`);
  await page.locator('.tile-v').first().waitFor(WAIT);
  assert.equal(await page.locator('table tbody tr').count(), 1, 'one scenario');
  // The report files, from <home>/drills/<id>/ through the real routes.
  await page.click('button[data-report="md"]');
  assert.match(await page.locator('pre.report-md').innerText(), /#/);
  const [download] = await Promise.all([page.waitForEvent('download', WAIT), page.click('button[data-report="html"]')]);
  const { readFileSync } = await import('node:fs');
  assert.match(readFileSync((await download.path())!, 'utf8'), /^<!doctype html>/i);
  const direct = await fetch(`${url}/api/v1/drills/${id}/report.html`, { headers: { authorization: `Bearer ${token}` } });
  assert.match(direct.headers.get('content-security-policy') ?? '', /^sandbox; default-src 'none'/);
  await page.click('button[data-report="md"]');
  await page.locator('pre.note').first().waitFor(WAIT);
  await shot(page, 'serve-8-drill-report');

  await page.evaluate(() => (location.hash = '#/ledger'));
  await page.locator('pre.note').waitFor(WAIT);
  const first = page.locator('.ledger-rows > li').first();
  await first.locator('button').click();
  await first.locator('.check[data-inclusion="ok"][data-signature="verified"]').waitFor(WAIT);
  await shot(page, 'serve-9-ledger');
  await page.close();
});
