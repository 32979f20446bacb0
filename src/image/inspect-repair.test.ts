// Inspection and repair of the partition table, the ESP and the boot files on built images.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sliceReader } from './disk-reader.ts';
import { readExt4File } from './ext4-files.ts';
import { inspectImage } from './inspect.ts';
import { openDisk } from './qcow2.ts';
import { repairImage } from './repair.ts';
import { buildTestImage, fakeGrubEfi, stubConfig, type TestImage, base, cleanupSnapshots, copy, esp, espHash, hash, poke, problems, putEspFile, rootHash, tool, useBaseImage } from '../../testkit/index.ts';
import { debugfsCat } from './tools.ts';

useBaseImage();

describe('image inspect on a good image', () => {
  it('passes every check and prints exactly {ok, checks} in --json', () => {
    const { report } = inspectImage(base.path);
    assert.deepEqual(report.checks.filter((c) => c.status === 'problem'), []);
    assert.equal(report.ok, true);
    const names = report.checks.map((c) => c.name);
    for (const want of ['partition-table.gpt-primary', 'esp.fallback-loader', 'boot.initrd', 'boot.root-uuid', 'rootfs.state', 'fstab.devices']) assert.ok(names.includes(want), want);
  });
  it('reads files from ext4 with its own reader exactly as debugfs does, symlinks included', () => {
    const { reader } = openDisk(base.path);
    try {
      const part = sliceReader(reader, base.rootOffset, base.rootSize);
      assert.equal(readExt4File(part, '/etc/fstab')?.toString('utf8'), debugfsCat(base.path, base.rootOffset, '/etc/fstab'));
      assert.equal(readExt4File(part, '/home/user/../user/data.txt')?.toString('utf8'), 'precious user data\n');
      assert.equal(readExt4File(part, '/etc/nonexistent'), undefined);
      assert.equal(readExt4File(part, '/etc/link-to-data')?.toString('utf8'), 'precious user data\n');
    } finally {
      reader.close();
    }
  });
  it('never modifies the image', () => {
    const p = copy();
    const h = hash(p, 0, base.rootOffset + base.rootSize);
    inspectImage(p);
    assert.equal(hash(p, 0, base.rootOffset + base.rootSize), h);
  });
});

describe('faults on the ESP', () => {
  it('a deleted kernel → boot.kernel; repair copies it from the golden image and leaves the root alone', () => {
    const p = copy();
    tool('mdel', ['-i', esp(p), `::${base.kernelPath}`]);
    assert.deepEqual(problems(p), ['boot.kernel']);
    const root = rootHash(p);
    const r = repairImage(p, { from: base.path });
    assert.deepEqual(r.repairs.map((a) => a.id), ['restore-boot-files']);
    assert.ok(r.repairs[0]!.causes.includes('kernel-missing'));
    assert.equal(r.ok, true);
    assert.deepEqual(problems(p), []);
    assert.equal(rootHash(p), root);
    assert.equal(r.snapshots.length, 1);
    assert.ok(existsSync(r.snapshots[0]!.ref), 'the forensic snapshot is on disk');
    assert.deepEqual(problems(r.snapshots[0]!.ref), ['boot.kernel'], 'the snapshot holds the broken state');
    cleanupSnapshots(r);
  });
  it('a truncated initrd → boot.initrd; repair restores it', () => {
    const p = copy();
    putEspFile(p, base.initrdPath, base.initrd.subarray(0, base.initrd.length - 300));
    assert.deepEqual(problems(p), ['boot.initrd']);
    const r = repairImage(p, { from: base.path });
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['restore-boot-files']);
    cleanupSnapshots(r);
  });
  it('a truncated kernel → boot.kernel (its boot header promises more bytes); repair restores it', () => {
    const p = copy();
    putEspFile(p, base.kernelPath, base.kernel.subarray(0, 100_000));
    const { report } = inspectImage(p);
    const c = report.checks.find((x) => x.name === 'boot.kernel')!;
    assert.equal(c.status, 'problem');
    assert.match(c.evidence, /truncated: 100000 bytes/);
    const r = repairImage(p, { from: base.path });
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['restore-boot-files']);
    cleanupSnapshots(r);
  });
  it('without --from a missing kernel is left, with the reason', () => {
    const p = copy();
    tool('mdel', ['-i', esp(p), `::${base.kernelPath}`]);
    const r = repairImage(p);
    assert.equal(r.ok, false);
    assert.match(r.unrepaired.find((u) => u.check === 'boot.kernel')!.reasons.join(' '), /golden/);
    assert.equal(r.snapshots.length, 0, 'no snapshot when nothing is written');
  });
  it('grub.cfg without its final brace → grub-cfg.syntax; repair restores it from the golden image', () => {
    const p = copy();
    const cfg = readFileSync(join(base.dir, 'files', 'grub.cfg'), 'utf8');
    putEspFile(p, base.grubCfgPath, cfg.replace(/}\s*$/, '\n'));
    assert.ok(problems(p).includes('grub-cfg.syntax'));
    const r = repairImage(p, { from: base.path });
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['fix-grub-cfg']);
    assert.match(r.repairs[0]!.did.join(), /from the golden image/);
    cleanupSnapshots(r);
  });
  it('root=UUID of no filesystem → boot.root-uuid; repair regenerates grub.cfg with the real UUID (no golden)', () => {
    const p = copy();
    const cfg = readFileSync(join(base.dir, 'files', 'grub.cfg'), 'utf8');
    putEspFile(p, base.grubCfgPath, cfg.replace(base.rootUuid, '00000000-dead-beef-0000-000000000000'));
    assert.deepEqual(problems(p), ['boot.root-uuid']);
    const r = repairImage(p);
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.match(r.repairs[0]!.did.join(), new RegExp(`regenerated .*root=UUID=${base.rootUuid}`));
    cleanupSnapshots(r);
  });
  it('a zeroed FAT boot sector → esp.filesystem; repair copies the golden ESP and keeps the root', () => {
    const p = copy();
    poke(p, base.espOffset, Buffer.alloc(512));
    // fstab's /boot/efi line names the ESP by its volume id, which is unreadable now.
    assert.deepEqual(problems(p), ['esp.filesystem', 'fstab.devices']);
    const root = rootHash(p);
    const r = repairImage(p, { from: base.path });
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['restore-esp']);
    assert.equal(rootHash(p), root);
    assert.equal(espHash(p), espHash(base.path));
    cleanupSnapshots(r);
  });
  it('a deleted grub.cfg → esp.grub-cfg; repair writes a fresh one for the kernel and initrd on the ESP', () => {
    const p = copy();
    tool('mdel', ['-i', esp(p), `::${base.grubCfgPath}`]);
    assert.deepEqual(problems(p), ['esp.grub-cfg']);
    const r = repairImage(p);
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.match(r.repairs[0]!.did.join(), /regenerated EFI\/debian\/grub.cfg: linux \/EFI\/debian\/vmlinuz-6.1.0-test-amd64/);
    cleanupSnapshots(r);
  });
  it('a loader whose embedded config sets a wrong prefix → esp.loader-config; repair restores the ESP', () => {
    const p = copy();
    putEspFile(p, 'EFI/BOOT/BOOTX64.EFI', fakeGrubEfi(stubConfig(base.espVolumeId, base.grubCfgPath, 'set prefix=($root)/EFI/debian\n')));
    const { report } = inspectImage(p);
    assert.deepEqual(report.checks.filter((c) => c.status === 'problem').map((c) => c.name), ['esp.loader-config']);
    assert.match(report.checks.find((c) => c.name === 'esp.loader-config')!.evidence, /prefix=\(\$root\)\/EFI\/debian, but \/EFI\/debian\/x86_64-efi/);
    const r = repairImage(p, { from: base.path });
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['restore-esp']);
    cleanupSnapshots(r);
  });
  it('an ESP whose volume id changed → the loader and fstab cannot find it; restore-esp brings the id back', () => {
    const p = copy();
    poke(p, base.espOffset + 0x43, Buffer.from([0x11, 0x22, 0x33, 0x44])); // FAT32 BS_VolID
    const names = problems(p);
    assert.ok(names.includes('esp.loader-config') && names.includes('fstab.devices'), names.join());
    const r = repairImage(p, { from: base.path });
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['restore-esp']);
    cleanupSnapshots(r);
  });
  it('the grub.cfg the loader names is checked, not any grub.cfg', () => {
    const p = copy();
    putEspFile(p, 'EFI/BOOT/BOOTX64.EFI', fakeGrubEfi(stubConfig(base.espVolumeId, '/EFI/other/grub.cfg')));
    const { report } = inspectImage(p);
    const c = report.checks.find((x) => x.name === 'esp.grub-cfg')!;
    assert.equal(c.status, 'problem');
    assert.match(c.evidence, /EFI\/other\/grub.cfg, the file BOOTX64.EFI loads/);
  });
  it('a missing fallback loader → esp.fallback-loader', () => {
    const p = copy();
    tool('mdel', ['-i', esp(p), '::EFI/BOOT/BOOTX64.EFI']);
    assert.deepEqual(problems(p), ['esp.fallback-loader']);
  });
});

describe('faults in the partition table', () => {
  it('zeroed LBA 0–33 → mbr + gpt-primary; repair rewrites them from the backup (no golden) and keeps the partitions', () => {
    const p = copy();
    poke(p, 0, Buffer.alloc(34 * 512));
    assert.deepEqual(problems(p), ['partition-table.mbr', 'partition-table.gpt-primary']);
    const data = hash(p, base.espOffset, base.espSize + base.rootSize);
    const r = repairImage(p);
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['rewrite-gpt']);
    assert.equal(hash(p, base.espOffset, base.espSize + base.rootSize), data);
    // sfdisk, an independent reader, accepts the rewritten table.
    const dump = spawnSync('sfdisk', ['--dump', p], { encoding: 'utf8' });
    assert.equal(dump.status, 0, dump.stderr);
    assert.doesNotMatch(dump.stderr, /corrupt|invalid/i);
    cleanupSnapshots(r);
  });
  it('a corrupt primary entry array → gpt-primary (CRC32 mismatch)', () => {
    const p = copy();
    poke(p, 2 * 512 + 56, Buffer.from('X'));
    const { report } = inspectImage(p);
    const c = report.checks.find((x) => x.name === 'partition-table.gpt-primary')!;
    assert.equal(c.status, 'problem');
    assert.match(c.evidence, /entry array CRC32/);
  });
  it('a wiped backup GPT → gpt-backup; repair rewrites it from the primary', () => {
    const p = copy();
    const size = base.rootOffset + base.rootSize + 1024 * 1024;
    poke(p, size - 512, Buffer.alloc(512));
    assert.deepEqual(problems(p), ['partition-table.gpt-backup']);
    const r = repairImage(p);
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.match(r.repairs[0]!.did.join(), /wrote the backup GPT/);
    cleanupSnapshots(r);
  });
  it('both GPT copies wiped (the corpus gpt-wiped fault) → with --from, the golden table is laid back after checking the filesystems sit where it says', () => {
    const p = copy();
    const size = base.rootOffset + base.rootSize + 1024 * 1024;
    poke(p, 0, Buffer.alloc(34 * 512));
    poke(p, size - 33 * 512, Buffer.alloc(33 * 512));
    const data = hash(p, base.espOffset, base.espSize + base.rootSize);
    const r = repairImage(p, { from: base.path });
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['rewrite-gpt']);
    assert.equal(hash(p, base.espOffset, base.espSize + base.rootSize), data);
    assert.equal(hash(p, 512, 33 * 512), hash(base.path, 512, 33 * 512), 'the primary GPT is the golden one');
    cleanupSnapshots(r);
  });
  it('both GPT copies wiped → problems that no repair can fix, said so', () => {
    const p = copy();
    poke(p, 0, Buffer.alloc(34 * 512));
    const size = base.rootOffset + base.rootSize + 1024 * 1024;
    poke(p, size - 33 * 512, Buffer.alloc(33 * 512));
    const r = repairImage(p);
    assert.equal(r.ok, false);
    assert.match(r.unrepaired.map((u) => u.reasons.join()).join(), /neither GPT copy/);
  });
});

describe('a BIOS-booting disk', () => {
  let bios: TestImage;
  before(() => {
    bios = buildTestImage({ biosBoot: true, espMiB: 34, rootMiB: 8 });
  });
  after(() => {
    if (bios !== undefined) rmSync(bios.dir, { recursive: true, force: true });
  });
  it('inspects ok without a UEFI loader; wiped boot code → bios.boot-code; repairs copy it from the golden image', () => {
    assert.deepEqual(problems(bios.path), []);
    const p = join(bios.dir, 'broken.img');
    copyFileSync(bios.path, p);
    poke(p, 0, Buffer.alloc(440));
    assert.deepEqual(problems(p), ['bios.boot-code']);
    const r = repairImage(p, { from: bios.path });
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['restore-bios-boot']);
    assert.equal(hash(p, 0, 512), hash(bios.path, 0, 512));
    cleanupSnapshots(r);
  });
  it('LBA 0–33 wiped (the corpus gpt-primary-and-mbr-wiped fault): rewrite-gpt takes the boot code from the golden image', () => {
    const p = join(bios.dir, 'wiped.img');
    copyFileSync(bios.path, p);
    poke(p, 0, Buffer.alloc(34 * 512));
    assert.ok(problems(p).includes('partition-table.gpt-primary'));
    const r = repairImage(p, { from: bios.path });
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['rewrite-gpt']);
    assert.match(r.repairs[0]!.did.join(), /boot code from the golden image/);
    cleanupSnapshots(r);
  });
});

