// The dashboard's first load: the compressed size of its JavaScript and CSS (budget
// 150 KB) and the time Chromium takes from navigation to a rendered fleet on loopback
// (target under 1 s), against the fake API of testkit/ (the real server serves the same
// files). Each load is a fresh browser context, so nothing comes from the cache.
//
// Then the time from an event entering the server's stream to the page showing it: a VM's
// state flips (vm-state), and the fleet card's badge changes (SSE delivery, parse, render).
// The target, verdict to open dashboard under 250 ms, adds the server's own share.
//
// Usage: node bench/dashboard.ts [--loads N] [--events N]   (builds dist/web first)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { runToolSync } from '../src/core/index.ts';
import { startFakeApi } from '../testkit/index.ts';
import { firstLoadSize, FIRST_LOAD_BUDGET } from '../web/index.ts';

const { values } = parseArgs({ options: { loads: { type: 'string', default: '7' }, events: { type: 'string', default: '20' } } });
const LOADS = Number(values.loads);
const EVENTS = Number(values.events);
// The page's globals, as the functions passed to page.evaluate() see them (no DOM library here).
declare const document: { querySelector(sel: string): object | null; body: object };
declare class MutationObserver {
  constructor(cb: () => void);
  observe(target: object, opts: Record<string, boolean>): void;
  disconnect(): void;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist/web');
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

runToolSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: root, timeoutMs: 180_000, what: 'vite build of the dashboard' });
const size = firstLoadSize(dist);
for (const a of size.assets) process.stdout.write(`${a.file.padEnd(36)} ${kb(a.bytes).padStart(9)}  gzip ${kb(a.gzip).padStart(8)}\n`);
for (const a of size.lazy) process.stdout.write(`${a.file.padEnd(36)} ${kb(a.bytes).padStart(9)}  gzip ${kb(a.gzip).padStart(8)}  (loaded with the first chart)\n`);
process.stdout.write(`first load: ${kb(size.bytes)}, gzip ${kb(size.gzip)}; with the chart chunks gzip ${kb(size.allGzip)} (budget ${kb(FIRST_LOAD_BUDGET)}: ${size.allGzip <= FIRST_LOAD_BUDGET ? 'within' : 'OVER'})\n`);

if (!existsSync('/usr/bin/chromium')) {
  process.stdout.write('load time: /usr/bin/chromium is absent; not measured\n');
} else {
  const vms = Array.from({ length: 20 }, (_, i) => ({ name: `vm-${String(i).padStart(2, '0')}`, source: 'qemu' as const, state: i === 3 ? ('failed' as const) : ('ready' as const), heal: true, bootTrend: [5000, 5200, 5100, 5300] }));
  const fake = await startFakeApi({ webDir: dist, tokens: { t: 'viewer' }, state: { vms } });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const times: number[] = [];
  const eventMs: number[] = [];
  try {
    for (let i = 0; i < LOADS + 1; i++) {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await ctx.addInitScript(() => localStorage.setItem('bootmedic.token', 't'));
      const page = await ctx.newPage();
      const t0 = performance.now();
      await page.goto(fake.url);
      await page.locator('.vm-card').nth(19).waitFor({ timeout: 30_000 });
      if (i > 0) times.push(performance.now() - t0); // the first load warms the browser itself
      await ctx.close();
    }
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await ctx.addInitScript(() => localStorage.setItem('bootmedic.token', 't'));
    const page = await ctx.newPage();
    await page.goto(fake.url);
    await page.locator('.live.live').waitFor({ timeout: 30_000 });
    for (let i = 0; i < EVENTS; i++) {
      const state = i % 2 === 0 ? 'failed' : 'ready';
      // The page notes when the badge shows the new state (wall clock, the same host's).
      const shown = page.evaluate(
        (want) =>
          new Promise<number>((resolve) => {
            const sel = `.vm-card[data-vm="vm-00"] .vm-top .badge[data-state="${want}"]`;
            const mo = new MutationObserver(() => {
              if (document.querySelector(sel)) {
                mo.disconnect();
                resolve(Date.now());
              }
            });
            mo.observe(document.body, { subtree: true, childList: true, attributes: true });
          }),
        state,
      );
      await page.waitForTimeout(50); // the observer is in place
      const sent = Date.now();
      fake.push({ kind: 'vm-state', vm: 'vm-00', state });
      eventMs.push((await shown) - sent);
    }
    await ctx.close();
  } finally {
    await browser.close();
    await fake.close();
  }
  times.sort((a, b) => a - b);
  const med = times[Math.floor(times.length / 2)]!;
  process.stdout.write(`load to a rendered fleet of 20 VMs (${times.length} cold loads): median ${med.toFixed(0)} ms, max ${times[times.length - 1]!.toFixed(0)} ms (target 1000 ms: ${med < 1000 ? 'met' : 'MISSED'})\n`);
  eventMs.sort((a, b) => a - b);
  process.stdout.write(`event in the stream to the badge on screen (${eventMs.length} events): median ${eventMs[Math.floor(eventMs.length / 2)]} ms, max ${eventMs[eventMs.length - 1]} ms\n`);
}
