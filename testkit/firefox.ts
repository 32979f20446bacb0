// Debian's Firefox ESR driven by puppeteer-core over WebDriver BiDi (playwright-core drives
// only its own patched Firefox builds), headless, with its own profile folder. Closing it
// leaves nothing running: Firefox's helper processes (the fork server, content, socket,
// RDD and utility processes) share its process group, since puppeteer starts it detached,
// and outlive its main process for a moment after a close; what is still there after the
// grace time is killed as a group.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { groupMembers } from './processes.ts';

export const FIREFOX = '/usr/bin/firefox-esr';

/** `false` when Firefox ESR is here, else the reason a Firefox test skips. */
export const firefoxSkip: false | string = existsSync(FIREFOX) ? false : `${FIREFOX} is absent (Debian package firefox-esr; .ci/run installs it); skipping the Firefox test`;

/** How long a close may take before the browser's process group is killed. */
const CLOSE_GRACE_MS = 10_000;

export type FirefoxSession = {
  browser: Browser;
  /** Firefox's main process, the leader of the process group all its processes are in. */
  pid: number;
  /**
   * Closes the browser, kills what of its process group is left after the grace time,
   * removes the profile; resolves to the pids it had to kill, throws when one survived even that.
   */
  close(): Promise<number[]>;
};

/**
 * A fresh headless Firefox ESR at 1280x800. `colorScheme` is what the pages see as the
 * system's choice (prefers-color-scheme): WebDriver BiDi in Firefox has no media emulation
 * yet, so it is set with Firefox's content preference before the start.
 */
export async function launchFirefox(opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<FirefoxSession> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'bootmedic-firefox-'));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      userDataDir,
      defaultViewport: { width: 1280, height: 800 },
      timeout: 60_000,
      // 0: dark, 1: light (2 would follow the host, which has no desktop theme).
      extraPrefsFirefox: { 'layout.css.prefers-color-scheme.content-override': opts.colorScheme === 'dark' ? 0 : 1 },
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const pid = browser.process()?.pid;
  if (pid === undefined) throw new Error('puppeteer started Firefox without a process id');
  return {
    browser,
    pid,
    async close() {
      const grace = new Promise<'late'>((r) => setTimeout(r, CLOSE_GRACE_MS, 'late').unref());
      // A close that fails or hangs is still followed by the kill below.
      await Promise.race([browser.close().catch(() => undefined), grace]);
      const killed = await untilGone(pid, CLOSE_GRACE_MS);
      let left = killed;
      if (left.length > 0) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // the group emptied meanwhile
        }
        left = await untilGone(pid, CLOSE_GRACE_MS);
      }
      rmSync(userDataDir, { recursive: true, force: true });
      if (left.length > 0) throw new Error(`Firefox processes ${left.join(', ')} survived a close and a SIGKILL of their group`);
      return killed;
    },
  };
}

/** Waits (every 100 ms, up to `ms`) until process group `pgid` is empty; returns who is left. */
async function untilGone(pgid: number, ms: number): Promise<number[]> {
  for (let t = 0; t < ms && groupMembers(pgid).length > 0; t += 100) await new Promise((r) => setTimeout(r, 100));
  return groupMembers(pgid);
}
