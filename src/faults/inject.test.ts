import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseVmSpec, type AppConfig } from '../config/index.ts';
import { getFault } from './catalogue.ts';
import { injectFault } from './inject.ts';

const dir = mkdtempSync(join(tmpdir(), 'bm-inject-'));
const app: AppConfig = Object.freeze({ home: join(dir, 'home'), cache: join(dir, 'cache'), ci: true, color: false });
writeFileSync(join(dir, 'vmlinuz'), Buffer.alloc(1000, 1));
writeFileSync(join(dir, 'initrd.gz'), Buffer.alloc(3000, 2));
const base = parseVmSpec({ name: 'vm', guest: 'tiny', kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.gz'), append: 'quiet' }, 't', dir);

test.after(() => rmSync(dir, { recursive: true, force: true }));

test('cmdline and vm faults change only the spec', async () => {
  const p = await injectFault(base, getFault('panic'), join(dir, 'w1'), app);
  assert.equal(p.spec.append, 'quiet bootmedic.fault=panic');
  const lm = await injectFault(base, getFault('low-memory'), join(dir, 'w2'), app);
  assert.equal(lm.spec.memoryMiB, 80);
  const wr = await injectFault(base, getFault('wrong-root'), join(dir, 'w3'), app);
  assert.equal(wr.spec.initrd, 'none');
  assert.match(wr.spec.append ?? '', /root=\/dev\/vda2$/);
});

test('file faults damage a copy and leave the original intact', async () => {
  const t = await injectFault(base, getFault('truncated-initrd'), join(dir, 'w4'), app);
  assert.equal(statSync(join(dir, 'initrd.gz')).size, 3000);
  assert.equal(statSync(t.spec.initrd!).size, Math.floor(3000 * 0.34));
  const k = await injectFault(base, getFault('kernel-missing'), join(dir, 'w5'), app);
  assert.ok(existsSync(join(dir, 'vmlinuz')));
  assert.equal(existsSync(k.spec.kernel!), false);
});

test('a fault for another guest is refused', async () => {
  const other = parseVmSpec({ name: 'vm', kernel: join(dir, 'vmlinuz') }, 't', dir);
  await assert.rejects(injectFault(other, getFault('panic'), join(dir, 'w6'), app), /FAULT_NOT_APPLICABLE|applies to guests/);
});
