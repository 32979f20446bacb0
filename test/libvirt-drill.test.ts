// `bootmedic drill --backend libvirt`: a two-scenario drill whose VMs are libvirt domains the
// drill defines (bmdrill-<id>-…), heals and undefines. Same JSON totals as a QEMU drill, a
// result per scenario, and no domain of the drill (or anyone else's) changed afterwards.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runToolSync } from '../src/core/index.ts';
import { defineTinyDomain, runCli, useLibvirtd } from '../testkit/index.ts';

const lv = useLibvirtd();
const domains = () => runToolSync('virsh', ['-c', 'qemu:///system', 'list', '--all', '--name']).stdout.split('\n').map((s) => s.trim()).filter(Boolean);

test('drill --backend libvirt --guest tiny --scenarios 2 heals libvirt domains and removes them', { skip: lv.skip, timeout: 900_000 }, async (t) => {
  // Another domain on the same URI, which the drill must not touch.
  const bystander = defineTinyDomain({ name: 'bystander' });
  const xml = runToolSync('virsh', ['-c', 'qemu:///system', 'dumpxml', '--inactive', bystander.name]).stdout;
  const home = mkdtempSync(join(tmpdir(), 'bm-lvdrill-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  // Seed 3 of the quick faults: a truncated initramfs and too little memory, both recoverable.
  const r = await runCli(['drill', '--backend', 'libvirt', '--guest', 'tiny', '--scenarios', '2', '--seed', '3', '--quick', '--json', '--home', home]);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const j = JSON.parse(r.stdout) as Record<string, unknown> & { results: { name: string; vm: string; outcome: string; ok: boolean }[] };
  for (const k of ['recoveryRate', 'top1Accuracy', 'mttrMedianMs', 'cleanBootMs', 'detectionRate']) assert.ok(k in j, `${k} in the JSON`);
  assert.equal(j['backend'], 'libvirt');
  assert.deepEqual(j.results.map((x) => x.name).sort(), ['corrupted-initrd', 'low-memory']);
  for (const x of j.results) {
    assert.match(x.vm, /^bmdrill-/);
    assert.equal(x.outcome, 'recovered', JSON.stringify(x));
  }
  assert.equal(j['recoveryRate'], 1);
  assert.ok((j['cleanBootMs'] as number) > 0);
  // Its own domains (bmdrill-<id>-…): other drills may run on the same libvirtd meanwhile.
  assert.ok(j.results.every((x) => x.vm.startsWith(`bmdrill-${String(j['id'])}-`)), 'domains are named after the drill');
  assert.deepEqual(domains().filter((n) => n.startsWith(`bmdrill-${String(j['id'])}-`)), [], 'the drill undefined its domains');
  assert.ok(domains().includes(bystander.name), 'the bystander is still defined');
  assert.equal(runToolSync('virsh', ['-c', 'qemu:///system', 'dumpxml', '--inactive', bystander.name]).stdout, xml, 'and unchanged');
  assert.equal(runToolSync('virsh', ['-c', 'qemu:///system', 'domstate', bystander.name]).stdout.trim(), 'shut off');
});

test('drill refuses a backend, guest or URI it cannot use, with a usage error and no stack', async () => {
  for (const [argv, words] of [
    [['--backend', 'xen'], /--backend must be qemu or libvirt/],
    [['--backend', 'libvirt', '--guest', 'windows'], /--guest must be tiny or debian, got 'windows'/],
    [['--uri', 'qemu:///system'], /--uri goes with --backend libvirt/],
  ] as const) {
    const r = await runCli(['drill', ...argv]);
    assert.equal(r.code, 64, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, words);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});
