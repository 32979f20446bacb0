import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../main.ts';
import { openStore } from '../../store/index.ts';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (c: Buffer) => parts.push(c));
  return { stream, text: () => Buffer.concat(parts).toString('utf8') };
}

const OOM = [
  '[    0.000000] Linux version 6.1.0 (debian)',
  '[    0.500000] Trying to unpack rootfs image as initramfs...',
  '[    1.281303] kworker/u4:1 invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0',
  '[    1.290121] Out of memory and no killable processes...',
  '[    1.290261] Kernel panic - not syncing: System is deadlocked on memory',
  '',
].join('\n');

test('diagnose <console.log> --json prints exactly {causes, explanation}', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-dx-'));
  try {
    const f = join(dir, 'console.log');
    writeFileSync(f, OOM);
    const out = sink();
    const rc = await main(['--home', dir, 'diagnose', f, '--json'], { stdout: out.stream, stderr: sink().stream });
    assert.equal(rc, 0);
    const j = JSON.parse(out.text()) as { causes: { cause: string; probability: number }[]; explanation: { summary: string } };
    assert.deepEqual(Object.keys(j), ['causes', 'explanation']);
    assert.equal(j.causes[0]?.cause, 'insufficient-memory');
    assert.ok(Math.abs(j.causes.reduce((s, c) => s + c.probability, 0) - 1) < 1e-3);
    assert.match(j.explanation.summary, /^insufficient-memory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('diagnose - reads a console from stdin and prints ranked causes and the evidence', async () => {
  const out = sink();
  const rc = await main(['diagnose', '-'], { stdout: out.stream, stderr: sink().stream, stdin: Readable.from([Buffer.from(OOM)]) });
  assert.equal(rc, 0);
  assert.match(out.text(), /1\. insufficient-memory/);
  assert.match(out.text(), /finding:oom/);
});

test('diagnose <boot-id> reads the stored boot record', async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-dx-'));
  try {
    const s = openStore({ home });
    s.boots.add({
      id: 'b-42', vm: 'tiny', imageKey: 'k', startedAt: '2026-01-01T00:00:00Z', status: 'failed', phase: 'bootloader', reason: 'grub', accel: 'tcg', durationMs: 3000, timeline: [],
      record: {
        status: 'failed', phase: 'bootloader', cause: 'finding', accel: 'tcg', qmpEvents: [], resets: 0, qemu: { exitCode: null, signal: null, stderr: '' },
        findings: [{ id: 'grub.syntax-error', family: 'grub', title: 'GRUB: syntax error in the configuration', severity: 'error', evidence: [{ line: 3, text: 'error: syntax error.' }] }],
      },
    });
    s.close();
    const out = sink();
    assert.equal(await main(['--home', home, 'diagnose', 'b-42', '--json'], { stdout: out.stream, stderr: sink().stream }), 0);
    assert.equal((JSON.parse(out.text()) as { causes: { cause: string }[] }).causes[0]?.cause, 'bootloader-config');
    const err = sink();
    assert.equal(await main(['--home', home, 'diagnose', 'b-43'], { stdout: sink().stream, stderr: err.stream }), 65);
    assert.match(err.text(), /b-43: no such file, and no boot with that id/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('diagnose --evidence takes an evidence JSON file and names a bad field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-dx-'));
  try {
    const f = join(dir, 'ev.json');
    writeFileSync(f, JSON.stringify({ findings: [], phase: 'none', status: 'stalled', accel: 'kvm' }));
    const out = sink();
    assert.equal(await main(['diagnose', f, '--evidence', '--json'], { stdout: out.stream, stderr: sink().stream }), 0);
    assert.equal((JSON.parse(out.text()) as { causes: { cause: string }[] }).causes[0]?.cause, 'accelerator-fault');
    writeFileSync(f, JSON.stringify({ findings: [], phase: 'nowhere', status: 'stalled' }));
    const err = sink();
    assert.equal(await main(['diagnose', f, '--evidence'], { stdout: sink().stream, stderr: err.stream }), 65);
    assert.match(err.text(), /phase/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('diagnose prints what changed since the last good boot, firmware included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-dx-'));
  try {
    const f = join(dir, 'ev.json');
    const changes = { kernel: 'same', initrd: 'same', cmdline: 'same', memory: 'same', cpus: 'same', disks: 'same', accel: 'same', details: [{ field: 'firmware', before: 'bios', after: 'uefi' }] };
    writeFileSync(f, JSON.stringify({ findings: [], phase: 'firmware', status: 'stalled', accel: 'tcg', changes }));
    const out = sink();
    assert.equal(await main(['diagnose', f, '--evidence'], { stdout: out.stream, stderr: sink().stream }), 0);
    assert.match(out.text(), /Changed since the last good boot:\n  firmware: bios → uefi\n/);
    writeFileSync(f, JSON.stringify({ findings: [], phase: 'firmware', status: 'stalled', accel: 'tcg', changes: { ...changes, details: [] } }));
    const quiet = sink();
    assert.equal(await main(['diagnose', f, '--evidence'], { stdout: quiet.stream, stderr: sink().stream }), 0);
    assert.doesNotMatch(quiet.text(), /Changed since/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
