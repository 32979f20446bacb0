// The dashboard in a real browser (Debian's Chromium through playwright-core) against a
// server under test made by createServerUnderTest(): today testkit's dashboard story (the
// fake API with canned state, a pushable SSE stream and a real ledger for the proofs); the real
// `bootmedic serve` slots in there with a tiny VM that fails on a panic and is healed.
// It follows the flow: the fleet shows the VM booting, then failed, live; the
// incident page shows the evidence line and the top cause; the heal runs; the VM shows
// ready, live. Then the ledger proof is checked in the browser, a phone-width dark page
// has no horizontal overflow, and a token the server rejects gets nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { buildDashboard, chromiumSkip, launchChromium, startDashboardStory, type ServerUnderTest, screenshotFolder } from '../testkit/index.ts';
import { firstLoadSize, FIRST_LOAD_BUDGET } from '../web/index.ts';

// The page's globals, as the functions passed to page.evaluate() see them (the repository's
// type check has no DOM library).
declare const window: { innerWidth: number } & Record<string, unknown>;
declare const location: { hash: string };
declare const document: { documentElement: { scrollWidth: number }; body: object; querySelector(selector: string): { textContent: string | null } | null };
declare const MutationObserver: new (fn: () => void) => { observe(target: object, options: Record<string, boolean>): void };
declare const getComputedStyle: (el: object) => { backgroundColor: string };
declare const localStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };

const root = fileURLToPath(new URL('..', import.meta.url));
const skip = chromiumSkip;
const WAIT = { timeout: 20_000 };
/** For what waits on a VM boot (a real server's tiny VM under TCG emulation, on a busy host). */
const BOOT_WAIT = { timeout: 240_000 };

/**
 * The one place that picks the server under test. The real one: `bootmedic serve` on a
 * temporary home and a loopback port, watching a tiny VM whose kernel panics (then healed),
 * with `bootmedic token create --role operator` for `token`; its `fail()` and `heal()` only
 * wait (the VM does both by itself, and the page is what the test watches), and it has no
 * `drill` (a real drill is too slow for this test).
 */
async function createServerUnderTest(): Promise<ServerUnderTest> {
  return startDashboardStory();
}

let sut: ServerUnderTest;
let ctx: BrowserContext;
let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
let shots: ReturnType<typeof screenshotFolder>;
const cspErrors: string[] = [];

const shot = (page: Page, name: string) => shots.shot(page, name);

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
  shots = screenshotFolder('dashboard');
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
  t.diagnostic(`screenshots: ${shots.dir} (copies in /tmp/shots)`);
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
    assert.equal(await page.locator('.console .cl', { hasText: failure.evidence }).count(), 0, "the failed boot's console made way for the new boot's");
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
  // An incident without a report has no hand-over section (its 404 is not an error on the page),
  // and inc-5's body is never drawn under inc-7's title, not even for one frame.
  await page.evaluate(() => {
    window.staleFrames = 0;
    new MutationObserver(() => {
      if (document.querySelector('h1 .record-id')?.textContent === 'inc-7' && (document.querySelector('#handover') !== null || document.querySelector('.summary strong')?.textContent === 'debian-1')) window.staleFrames = (window.staleFrames as number) + 1;
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
    location.hash = '#/incidents/inc-7';
  });
  await page.locator('h1 .record-id', { hasText: 'inc-7' }).waitFor(WAIT);
  await page.locator('.causes').waitFor(WAIT);
  assert.equal(await page.locator('#handover').count(), 0);
  assert.equal(await page.evaluate(() => window.staleFrames), 0, "another incident's body was drawn under inc-7's title");
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
