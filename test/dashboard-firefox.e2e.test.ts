// The dashboard in Debian's Firefox ESR (puppeteer-core over WebDriver BiDi), against the
// same server under test as the Chromium test (testkit's dashboard story: the fake API,
// its SSE stream and a real ledger). Firefox is started with a dark system theme. It
// checks what differs between engines: the fleet renders the VMs with their state; a
// failure and then the heal arrive over the event stream without a reload; the incident
// page shows the evidence line and the top cause; the ledger page verifies inclusion proofs
// and the checkpoint's Ed25519 signature with Firefox's WebCrypto; every page at 1280x800
// and at 390x844, in the system's dark theme and the toggled light one, has no horizontal
// overflow; a drill started from the page shows its progress and report; a rejected token
// gets the sign-in form and nothing of the fleet; no script error and no CSP violation on
// the way; and closing Firefox leaves none of its processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'puppeteer-core';
import { buildDashboard, descendants, firefoxSkip, groupMembers, isRunning, launchFirefox, screenshotFolder, startDashboardStory, type FirefoxSession, type ServerUnderTest } from '../testkit/index.ts';

// The page's globals, as the functions passed to page.evaluate() see them (the repository's
// type check has no DOM library).
declare const window: { innerWidth: number; scrollTo(x: number, y: number): void } & Record<string, unknown>;
declare const location: { hash: string };
declare const localStorage: { getItem(key: string): string | null };
declare const document: { documentElement: { scrollWidth: number }; body: object; addEventListener(type: string, fn: (e: { violatedDirective: string; blockedURI: string }) => void): void };
declare const getComputedStyle: (el: object) => { backgroundColor: string };

const skip = firefoxSkip;
const WAIT = { timeout: 20_000 };

let sut: ServerUnderTest | undefined;
let ff: FirefoxSession | undefined;
let shots: ReturnType<typeof screenshotFolder>;
/** Script errors and console errors seen by any page. */
const problems: string[] = [];

/** A new tab that reports its script errors and content-security-policy violations into `problems`. */
async function newPage(): Promise<Page> {
  const page = await ff!.browser.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e instanceof Error ? e.message : String(e)}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  // Firefox reports a CSP violation on the console only; the DOM event is the same in every browser.
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => (window['cspViolations'] = [...((window['cspViolations'] as string[] | undefined) ?? []), `${e.violatedDirective} ${e.blockedURI}`]));
  });
  return page;
}

const text = (page: Page, sel: string) => page.$eval(sel, (el) => (el as unknown as { innerText: string }).innerText);
const attr = (page: Page, sel: string, name: string) => page.$eval(sel, (el, n) => el.getAttribute(n), name);
const count = async (page: Page, sel: string) => (await page.$$(sel)).length;
const go = (page: Page, hash: string) => page.evaluate((h) => void (location.hash = h), hash);
const cspViolations = (page: Page) => page.evaluate(() => (window['cspViolations'] as string[] | undefined) ?? []);
/** The sum of the body's background red, green and blue (dark below 150, light above 600). */
const bodyBrightness = async (page: Page) => {
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  return (bg.match(/\d+/g) ?? []).slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
};

before(async () => {
  if (skip) return;
  buildDashboard();
  sut = await startDashboardStory();
  shots = screenshotFolder('firefox');
  ff = await launchFirefox({ colorScheme: 'dark' });
});

after(async () => {
  await ff?.close();
  await sut?.close();
});

test('Firefox: the fleet shows the VMs with their state; a failure, the incident and the heal arrive live', { skip }, async (t) => {
  t.diagnostic(`screenshots: ${shots.dir} (copies in /tmp/shots, firefox-*.png)`);
  const page = await newPage();
  await page.goto(sut!.url);
  await page.waitForSelector('input[name=token]', WAIT);
  await page.type('input[name=token]', sut!.token);
  await page.click('form.signin button[type=submit]');

  const card = `.vm-card[data-vm="${sut!.vm}"]`;
  await page.waitForSelector(`${card} .vm-top .badge[data-state="booting"]`, WAIT);
  for (const name of sut!.others) assert.equal(await count(page, `.vm-card[data-vm="${name}"] .vm-top .badge[data-state="ready"]`), 1, `the fleet lists ${name}, ready`);
  await page.waitForSelector('.live.live', WAIT);
  assert.ok((await bodyBrightness(page)) < 150, 'theme auto follows the dark system theme');
  await shots.shot(page, 'firefox-1-fleet-booting-dark');
  // A marker on window survives only as long as the page is not reloaded.
  await page.evaluate(() => void (window['noReload'] = 1));

  const failure = await sut!.fail();
  await page.waitForSelector(`${card} .vm-top .badge[data-state="failed"]`, WAIT);
  await page.waitForSelector(`${card} .vm-verdict .badge[data-state="failed"]`, WAIT);
  assert.equal(await attr(page, '.vm-card', 'data-vm'), sut!.vm, 'the failed VM comes first');
  assert.match(await text(page, `${card} .vm-verdict`), /failed[\s\S]*kernel-panic/i);
  await shots.shot(page, 'firefox-2-fleet-failed');

  await page.click(`${card} a.incident-link`);
  await page.waitForSelector(`h1::-p-text(${JSON.stringify(`Incident ${failure.incident}`)})`, WAIT);
  await page.waitForSelector(`.console.evidence .cl::-p-text(${JSON.stringify(failure.evidence)})`, WAIT);
  assert.equal((await text(page, '.causes li.top .cause-name')).trim(), failure.topCause);
  assert.match(await text(page, '.causes li.top .prob'), /\d+ %/);
  await shots.shot(page, 'firefox-3-incident');

  const healed = await sut!.heal();
  await page.waitForSelector('h1 .badge[data-state="recovered"]', WAIT);
  assert.match(await text(page, '.steps'), new RegExp(healed.remedy));
  assert.match(await text(page, '.page-head .summary'), /MTTR \d/);
  await go(page, '#/');
  await page.waitForSelector(`${card} .vm-top .badge[data-state="ready"]`, WAIT);
  assert.equal(await page.evaluate(() => window['noReload']), 1, 'the page was never reloaded');
  assert.deepEqual(await cspViolations(page), [], 'nothing was blocked by the content security policy');
  await page.close();
});

test("Firefox's WebCrypto verifies ledger entries' inclusion proofs and the checkpoint's Ed25519 signature", { skip }, async () => {
  const page = await newPage();
  await page.goto(new URL('/#/ledger', sut!.url).href);
  await page.waitForSelector('pre.note', WAIT);
  const rows = await page.$$('.ledger-rows > li');
  assert.ok(rows.length >= 2, `the ledger page lists entries (${rows.length})`);
  // The newest and the oldest listed: proofs of different shapes.
  for (const n of [1, rows.length]) {
    const row = `.ledger-rows > li:nth-child(${n})`;
    await page.click(`${row} button`);
    await page.waitForSelector(`${row} .check[data-inclusion="ok"][data-signature="verified"]`, WAIT);
    assert.match(await text(page, `${row} .check`), /included in the tree of \d+ entries[\s\S]*signature verified \(Ed25519\)/);
  }
  // The clicks scrolled the page; from the top, the full-page shot has the sticky header where it belongs.
  await page.evaluate(() => window.scrollTo(0, 0));
  await shots.shot(page, 'firefox-4-ledger-verified');
  assert.deepEqual(await cspViolations(page), []);
  await page.close();
});

test('Firefox: every page at 1280x800 and 390x844, dark (the system) and light (the toggle), has no horizontal overflow', { skip }, async () => {
  const page = await newPage();
  const pages = [['fleet', '#/', '.vm-card'], ['vm', `#/vms/${sut!.vm}`, '.console'], ['incident', '#/incidents/inc-7', '.causes'], ['handover', '#/incidents/inc-5', '#handover .md'], ['drills', '#/drills', 'form.inline-form'], ['ledger', '#/ledger', 'pre.note']] as const;
  await page.goto(sut!.url);
  await page.waitForSelector('.vm-card', WAIT);
  for (const theme of ['dark', 'light'] as const) {
    if (theme === 'light') {
      // The toggle goes auto → dark → light and overrides the system's choice.
      await page.click('header.top button::-p-text("theme:")');
      await page.click('header.top button::-p-text("theme:")');
      await page.waitForSelector('html[data-theme="light"]', WAIT);
    }
    for (const [width, height] of [[1280, 800], [390, 844]] as const) {
      await page.setViewport({ width, height });
      for (const [name, hash, ready] of pages) {
        await go(page, hash);
        await page.waitForSelector(ready, WAIT);
        const m = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, iw: window.innerWidth }));
        assert.equal(m.iw, width, 'the viewport is the one asked for');
        assert.ok(m.sw <= m.iw, `${name} page at ${width}x${height}, ${theme}: ${m.sw} px wide in a ${m.iw} px window`);
        const light = await bodyBrightness(page);
        assert.ok(theme === 'dark' ? light < 150 : light > 600, `${name} page at ${width}x${height} has a ${theme} background (r+g+b ${light})`);
        // Screenshots of a few, to look at: the rest is checked by the numbers above.
        if ((width === 390 && (name === 'fleet' || name === 'incident')) || (width === 1280 && theme === 'light' && name === 'vm')) await shots.shot(page, `firefox-5-${name}-${width}-${theme}`);
      }
    }
  }
  assert.deepEqual(await cspViolations(page), []);
  await page.close();
  assert.deepEqual(problems, [], 'no script error on any page');
});

/** Sets a form field's value as a user would: cleared, then typed. */
async function fill(page: Page, sel: string, value: string): Promise<void> {
  await page.$eval(sel, (el) => void ((el as unknown as { value: string }).value = ''));
  await page.type(sel, value);
}

test('Firefox: a drill started from the page shows its progress, then its report', { skip }, async (t) => {
  if (sut!.drill === undefined) return t.skip('the server under test runs real drills; not driven here');
  const page = await newPage();
  await page.goto(new URL('/#/drills', sut!.url).href);
  await page.waitForSelector('form.inline-form', WAIT);
  await fill(page, 'input[name=seed]', '42');
  await fill(page, 'input[name=count]', '3');
  await page.click('form.inline-form button[type=submit]');
  await page.waitForSelector('[role=status]::-p-text(started)', WAIT);
  await page.waitForSelector('.drill-row progress', WAIT);
  const id = await sut!.drill(3);
  await page.waitForSelector('.drill-row .badge[data-state="done"]', WAIT);
  await page.click(`a[href="#/drills/${id}"]`);
  await page.waitForSelector('.tile-v', WAIT);
  assert.equal(await count(page, 'table tbody tr'), 3, 'one row per scenario');
  assert.equal((await text(page, 'table tbody tr:nth-child(3) .badge[data-state="handed-over"]')).trim(), 'HANDED-OVER (EXPECTED)');
  assert.match(await text(page, '.hbars'), /detection[\s\S]*100 %[\s\S]*recovery/);
  await page.click('button[data-report="md"]');
  await page.waitForSelector('pre.report-md', WAIT);
  assert.match(await text(page, 'pre.report-md'), new RegExp(`^# Drill ${id}\\s+seed 42, 3 scenarios`));
  await shots.shot(page, 'firefox-6-drill-report');
  assert.deepEqual(await cspViolations(page), []);
  await page.close();
});

// Last but one: it signs out, and the tests above need the token.
test('Firefox: a token the server rejects gets the sign-in form, no fleet data, and is not kept', { skip }, async () => {
  const page = await newPage();
  const apiAnswers: number[] = [];
  page.on('response', (r) => {
    if (r.url().includes('/api/v1/')) apiAnswers.push(r.status());
  });
  await page.goto(sut!.url);
  await page.waitForSelector('.vm-card', WAIT);
  await page.click('button::-p-text(Sign out)');
  await page.waitForSelector('input[name=token]', WAIT);
  apiAnswers.length = 0;
  await page.type('input[name=token]', sut!.badToken);
  await page.click('form.signin button[type=submit]');
  await page.waitForSelector('form.signin [role=alert]', WAIT);
  assert.match(await text(page, 'form.signin [role=alert]'), /did not accept this token/);
  const body = await text(page, 'body');
  for (const name of [sut!.vm, ...sut!.others]) assert.ok(!body.includes(name), `the page shows nothing of ${name}`);
  assert.ok(apiAnswers.length > 0 && apiAnswers.every((s) => s === 401), `every API answer was 401: ${apiAnswers.join(', ')}`);
  assert.equal(await page.evaluate(() => localStorage.getItem('bootmedic.token')), null, 'the rejected token is not kept');
  await shots.shot(page, 'firefox-7-rejected-token');
  await page.close();
});

test('closing Firefox leaves none of its processes', { skip }, async (t) => {
  const session = ff!;
  ff = undefined;
  const group = groupMembers(session.pid);
  const tree = descendants(session.pid);
  assert.ok(tree.length > 0, 'Firefox runs helper processes');
  // What the close waits for and kills is the group: every child of Firefox is in it.
  for (const p of tree) assert.ok(group.includes(p.pid), `${p.comm} (${p.pid}) is in Firefox's process group`);
  const killed = await session.close();
  t.diagnostic(`${group.length} processes; ${killed.length} had to be killed after the close`);
  assert.deepEqual(groupMembers(session.pid), [], 'no process of the group is left');
  assert.deepEqual([session.pid, ...tree.map((p) => p.pid)].filter(isRunning), [], 'neither Firefox nor any of its children runs');
});
