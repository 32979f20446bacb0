// Debian's Chromium driven by playwright-core, the way these machines need it (headless as
// root, no sandbox, no background networking: the network is closed), and the dashboard
// build the browser tests load.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { runToolSync } from '../src/core/index.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** `false` when Chromium is here, else the reason a browser test skips. */
export const chromiumSkip: false | string = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (Debian package chromium; .ci/run installs it); skipping the browser test`;

/** A fresh headless Chromium with its own profile folder; `close()` removes the folder too. */
export async function launchChromium(viewport: { width: number; height: number } = { width: 1280, height: 800 }): Promise<{ ctx: BrowserContext; close(): Promise<void> }> {
  const userData = mkdtempSync(join(tmpdir(), 'bootmedic-chromium-'));
  const ctx = await chromium.launchPersistentContext(userData, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return {
    ctx,
    async close() {
      await ctx.close();
      rmSync(userData, { recursive: true, force: true });
    },
  };
}

/** Builds the dashboard into dist/web as `npm run build` does (the page the browser tests load). */
export function buildDashboard(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  runToolSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: root, timeoutMs: 180_000, what: 'vite build of the dashboard' });
}
