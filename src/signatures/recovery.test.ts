// A rule's recovery: the finding of a message the boot can go on from is held until the
// boot shows what followed, then reported with the recovery's lower severity, or as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { splitLines } from '../console/index.ts';
import { analyzeLog, createSignatureEngine, loadKb } from './index.ts';
import type { Finding } from './index.ts';

const notProgress = (fs: readonly Finding[]) => fs.filter((f) => f.family !== 'progress').map((f) => `${f.id} ${f.severity}`);

const LACKS_INIT = [
  'Loading, please wait...',
  'Begin: Mounting root file system ... done.',
  "Target filesystem doesn't have requested /sbin/demo-init.",
];

test('initramfs-tools falling back to another init: a warning once init runs', () => {
  const r = analyzeLog([...LACKS_INIT, 'Welcome to Debian GNU/Linux 12 (bookworm)!', 'demo login: ', ''].join('\n'));
  assert.deepEqual(notProgress(r.findings), ['initramfs.target-lacks-init warning']);
  const f = r.findings.find((x) => x.id === 'initramfs.target-lacks-init')!;
  assert.equal(f.title, 'initramfs: root filesystem lacks the requested init /sbin/demo-init');
  assert.deepEqual(f.recovered, { from: 'error', phase: 'init', evidence: { line: 4, text: 'Welcome to Debian GNU/Linux 12 (bookworm)!' } });
});

test('the same message in a boot that stops there stays an error', () => {
  assert.deepEqual(notProgress(analyzeLog([...LACKS_INIT, ''].join('\n')).findings), ['initramfs.target-lacks-init error', 'incomplete-boot error']);
  // A boot-stopping finding reports what was held first, as it is.
  assert.deepEqual(notProgress(analyzeLog([...LACKS_INIT, 'No init found. Try passing init= bootarg.', ''].join('\n')).findings), ['initramfs.target-lacks-init error', 'initramfs.no-init-found fatal']);
});

test('OVMF trying its next boot option: not even a warning once a loader runs', () => {
  const log = [
    'BdsDxe: failed to load Boot0001 "UEFI QEMU DVD-ROM QM00003 " from PciRoot(0x0)/Pci(0x1F,0x2)/Sata(0x1,0xFFFF,0x0): Not Found',
    'BdsDxe: loading Boot0002 "UEFI Misc Device" from PciRoot(0x0)/Pci(0x3,0x0)',
    'BdsDxe: starting Boot0002 "UEFI Misc Device" from PciRoot(0x0)/Pci(0x3,0x0)',
    'Welcome to GRUB!',
    '',
  ].join('\n');
  const f = analyzeLog(log).findings.find((x) => x.id === 'firmware.ovmf.load-failed');
  assert.equal(f?.severity, 'info');
  assert.equal(f.recovered?.from, 'warning');
  // Without a loader after it, it keeps the rule's severity.
  assert.equal(analyzeLog(log.split('\n').slice(0, 1).join('\n')).findings.find((x) => x.id === 'firmware.ovmf.load-failed')?.severity, 'warning');
});

test('a GRUB error before the kernel starts is a warning; without a kernel it is an error', () => {
  const grub = ['Welcome to GRUB!', "error: file `/boot/grub/fonts/unicode.pf2' not found."];
  assert.deepEqual(notProgress(analyzeLog([...grub, '[    0.000000] Linux version 6.1.0-demo', ''].join('\n')).findings).slice(0, 1), ['grub.file-not-found warning']);
  assert.deepEqual(notProgress(analyzeLog([...grub, ''].join('\n')).findings), ['grub.file-not-found error', 'incomplete-boot error']);
});

test('a reboot before the recovery reports the held finding of the first boot as it is', () => {
  const r = analyzeLog([...LACKS_INIT, 'SeaBIOS (version 1.16.2-debian-1.16.2-1)', ''].join('\n'));
  assert.equal(r.findings.find((x) => x.id === 'initramfs.target-lacks-init')?.severity, 'error');
});

test('end(reached): a ready signal the engine does not know settles what it holds', () => {
  const engine = createSignatureEngine();
  const got: Finding[] = [];
  for (const l of splitLines(`${LACKS_INIT.join('\n')}\n`)) got.push(...engine.push(l));
  assert.deepEqual(notProgress(got), [], 'held while the boot has not shown what follows');
  got.push(...engine.end('ready'));
  assert.deepEqual(notProgress(got), ['initramfs.target-lacks-init warning']);
  assert.deepEqual(got.at(-1)?.recovered, { from: 'error', phase: 'ready' });
});

test('the knowledge base refuses a recovery that does not lower the severity or that stops the boot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-kb-'));
  try {
    cpSync(new URL('./kb/', import.meta.url), dir, { recursive: true });
    const file = join(dir, 'boot-chain.json');
    const good = JSON.parse(readFileSync(file, 'utf8')) as { rules: Record<string, unknown>[] };
    const at = good.rules.findIndex((r) => r['id'] === 'initramfs.target-lacks-init');
    for (const change of [{ stopsBoot: true }, { severity: 'warning', recovery: { reaches: 'init', severity: 'warning' } }, { recovery: { reaches: 'initramfs', severity: 'info' } }]) {
      const bad = structuredClone(good);
      Object.assign(bad.rules[at]!, change);
      writeFileSync(file, JSON.stringify(bad));
      assert.throws(() => loadKb(pathToFileURL(`${dir}/`)), (e: Error & { code?: string }) => e.code === 'SIGNATURES_KB_INVALID' && /initramfs\.target-lacks-init|rules\.\d+/.test(e.message) && /recovery/.test(e.message), JSON.stringify(change));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
