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
