// Screenshots of the dashboard's browser tests: into a fresh temporary folder, with a copy
// in /tmp/shots/ where a person looks at the latest of each.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What both drivers' pages offer (playwright-core's and puppeteer-core's). */
type Shootable = { screenshot(opts: { path: `${string}.png`; fullPage: boolean }): Promise<unknown> };

/** A folder named `bootmedic-<what>-shots-*` and `shot(page, name)`, which saves a full-page PNG there and in /tmp/shots/. */
export function screenshotFolder(what: string): { dir: string; shot(page: Shootable, name: string): Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), `bootmedic-${what}-shots-`));
  return {
    dir,
    async shot(page, name) {
      const file = join(dir, `${name}.png`) as `${string}.png`;
      await page.screenshot({ path: file, fullPage: true });
      mkdirSync('/tmp/shots', { recursive: true });
      copyFileSync(file, join('/tmp/shots', `${name}.png`));
    },
  };
}
