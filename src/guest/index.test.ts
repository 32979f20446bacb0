import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AppConfig } from '../config/index.ts';
import { isBootmedicError } from '../core/index.ts';
import { buildGuest, resolveGuest } from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'bm-guest-'));
const app: AppConfig = Object.freeze({ home: join(dir, 'home'), cache: join(dir, 'cache'), ci: true, color: false });
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('an unbuilt tiny guest is GUEST_NOT_BUILT naming the cache; an unknown guest is GUEST_UNKNOWN', async () => {
  await assert.rejects(resolveGuest('tiny', app), (e) => isBootmedicError(e, 'GUEST_NOT_BUILT') && e.message.includes(app.cache));
  await assert.rejects(buildGuest('windows', app), (e) => isBootmedicError(e, 'GUEST_UNKNOWN'));
});

test("the guests' default command lines fit the room the VM file check leaves them", async () => {
  const { GUEST_CMDLINE_RESERVE } = await import('../config/index.ts');
  const { TINY_CMDLINE } = await import('./index.ts');
  const { readFileSync } = await import('node:fs');
  const recipe = JSON.parse(readFileSync(new URL('./debian/recipe.json', import.meta.url), 'utf8')) as { cmdline: string };
  assert.ok(Buffer.byteLength(TINY_CMDLINE) <= GUEST_CMDLINE_RESERVE, TINY_CMDLINE);
  // The Debian guest's line is `root=UUID=<36-character UUID> <recipe cmdline>`.
  assert.ok(Buffer.byteLength(`root=UUID=${'0'.repeat(36)} ${recipe.cmdline}`) <= GUEST_CMDLINE_RESERVE, recipe.cmdline);
});
