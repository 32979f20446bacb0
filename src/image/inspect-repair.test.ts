import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isBootmedicError } from '../core/index.ts';
import { sliceReader } from './disk-reader.ts';
import { readExt4File } from './ext4-files.ts';
import { inspectImage } from './inspect.ts';
import { openDisk } from './qcow2.ts';
import { openRegion, writeBytes } from './region.ts';
import { offeredRepairs, repairImage, resolveRepairNames } from './repair.ts';
import { buildTestImage, fakeGrubEfi, stubConfig, type TestImage } from './test-image.ts';
import { debugfsCat } from './tools.ts';

let base: TestImage;
let n = 0;

before(() => {
  base = buildTestImage();
});
after(() => {
  if (base !== undefined) rmSync(base.dir, { recursive: true, force: true });
});

/** A fresh copy of the good image to break. */
function copy(): string {
  const p = join(base.dir, `case-${++n}.img`);
  copyFileSync(base.path, p);
  return p;
}
const problems = (p: string) => inspectImage(p).report.checks.filter((c) => c.status === 'problem').map((c) => c.name);
function hash(p: string, offset: number, length: number): string {
  const fd = openSync(p, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return createHash('sha256').update(b).digest('hex');
  } finally {
    closeSync(fd);
  }
}
function poke(p: string, offset: number, data: Buffer): void {
  const fd = openSync(p, 'r+');
  writeSync(fd, data, 0, data.length, offset);
  closeSync(fd);
}
function tool(cmd: string, args: string[], input?: string): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
}
const esp = (p: string) => `${p}@@${base.espOffset}`;
const rootDev = (p: string) => `${p}?offset=${base.rootOffset}`;
const rootHash = (p: string) => hash(p, base.rootOffset, base.rootSize);
const espHash = (p: string) => hash(p, base.espOffset, base.espSize);
function putEspFile(p: string, path: string, data: Buffer | string): void {
  const tmp = join(base.dir, 'put.tmp');
  writeFileSync(tmp, data);
  tool('mcopy', ['-o', '-i', esp(p), tmp, `::${path}`]);
}
function cleanupSnapshots(r: { snapshots: readonly { kind: string; ref: string }[] }): void {
  for (const s of r.snapshots) if (s.kind === 'copy') rmSync(s.ref, { force: true });
}

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

describe('faults in the root filesystem', () => {
  it('an fstab line for a missing device → fstab.devices; repair adds nofail and keeps the data', () => {
    const p = copy();
    const fstab = debugfsCat(p, base.rootOffset, '/etc/fstab')! + 'UUID=11111111-2222-3333-4444-555555555555 /srv/data ext4 defaults 0 2\n';
    const tmp = join(base.dir, 'fstab.tmp');
    writeFileSync(tmp, fstab);
    tool('debugfs', ['-w', '-R', `rm /etc/fstab`, rootDev(p)]);
    tool('debugfs', ['-w', '-R', `write ${tmp} /etc/fstab`, rootDev(p)]);
    assert.deepEqual(problems(p), ['fstab.devices']);
    const espBefore = espHash(p);
    const r = repairImage(p);
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['fix-fstab']);
    const after = debugfsCat(p, base.rootOffset, '/etc/fstab')!;
    assert.match(after, /\/srv\/data\text4\tdefaults,nofail\t0\t2/);
    assert.match(after, new RegExp(`UUID=${base.rootUuid} / ext4`), 'good lines are kept as they were');
    assert.equal(debugfsCat(p, base.rootOffset, '/home/user/data.txt'), 'precious user data\n');
    assert.equal(espHash(p), espBefore);
    cleanupSnapshots(r);
  });
  it('offeredRepairs names the repair and its heal alias; only= keeps other repairs out', () => {
    const p = copy();
    const fstab = debugfsCat(p, base.rootOffset, '/etc/fstab')! + 'UUID=11111111-2222-3333-4444-555555555555 /srv/data ext4 defaults 0 2\n';
    const tmp = join(base.dir, 'fstab.tmp');
    writeFileSync(tmp, fstab);
    tool('debugfs', ['-w', '-f', '-', rootDev(p)], `rm /etc/fstab\nwrite ${tmp} /etc/fstab\n`);
    tool('mdel', ['-i', esp(p), `::${base.kernelPath}`]);
    assert.deepEqual(offeredRepairs(p), ['fix-fstab', 'fstab-nofail']);
    assert.deepEqual(offeredRepairs(p, { from: base.path }), ['restore-boot-files', 'fix-fstab', 'restore-boot-artefacts', 'fstab-nofail']);
    const r = repairImage(p, { from: base.path, only: resolveRepairNames(['fstab-nofail']) });
    assert.deepEqual(r.repairs.map((a) => a.id), ['fix-fstab']);
    assert.deepEqual(problems(p), ['boot.kernel']);
    assert.throws(() => resolveRepairNames(['frobnicate']), (e) => isBootmedicError(e, 'IMAGE_REPAIR_FAILED'));
    cleanupSnapshots(r);
  });
  it('an unknown vfat option (the corpus fstab-bad-mount-option fault) → fstab.options; repair drops just that option', () => {
    const p = copy();
    const fstab = debugfsCat(p, base.rootOffset, '/etc/fstab')!.replace('umask=0077', 'umask=0077,bogusopt');
    const tmp = join(base.dir, 'fstab.tmp');
    writeFileSync(tmp, fstab);
    tool('debugfs', ['-w', '-f', '-', rootDev(p)], `rm /etc/fstab\nwrite ${tmp} /etc/fstab\n`);
    const { report } = inspectImage(p);
    assert.deepEqual(report.checks.filter((c) => c.status === 'problem').map((c) => c.name), ['fstab.options']);
    assert.match(report.checks.find((c) => c.name === 'fstab.options')!.evidence, /\/boot\/efi, vfat\): unknown option bogusopt/);
    const r = repairImage(p);
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.match(debugfsCat(p, base.rootOffset, '/etc/fstab')!, /^UUID=1234-ABCD\t\/boot\/efi\tvfat\tumask=0077\t0\t1$/m);
    cleanupSnapshots(r);
  });
  it('a wrong UUID on the / line is pointed at the real root', () => {
    const p = copy();
    const fstab = debugfsCat(p, base.rootOffset, '/etc/fstab')!.replace(`UUID=${base.rootUuid}`, 'UUID=99999999-0000-0000-0000-000000000000');
    const tmp = join(base.dir, 'fstab.tmp');
    writeFileSync(tmp, fstab);
    tool('debugfs', ['-w', '-f', '-', rootDev(p)], `rm /etc/fstab\nwrite ${tmp} /etc/fstab\n`);
    assert.deepEqual(problems(p), ['fstab.devices']);
    const r = repairImage(p);
    assert.equal(r.ok, true);
    assert.match(debugfsCat(p, base.rootOffset, '/etc/fstab')!, new RegExp(`^UUID=${base.rootUuid}\t/\t`, 'm'));
    cleanupSnapshots(r);
  });
  it('a multiply-claimed block and a not-clean state → rootfs.state; e2fsck -p fails, -fy fixes after a second snapshot', () => {
    const p = copy();
    // The corpus root-ext4-fsck-failure fault: a second file's extent points at /etc/fstab's block.
    const tmp = join(base.dir, 'hostname.tmp');
    writeFileSync(tmp, 'guest\n');
    tool('debugfs', ['-w', '-R', `write ${tmp} /etc/hostname`, rootDev(p)]);
    const bmap = spawnSync('debugfs', ['-R', 'bmap /etc/fstab 0', rootDev(p)], { encoding: 'utf8' }).stdout.trim();
    assert.match(bmap, /^\d+$/);
    tool('debugfs', ['-w', '-f', '-', rootDev(p)], `sif /etc/hostname block[5] ${bmap}\nssv state 0\n`);
    assert.ok(problems(p).includes('rootfs.state'));
    const r = repairImage(p);
    assert.deepEqual(r.repairs.map((a) => a.id).slice(0, 1), ['fsck-root']);
    assert.match(r.repairs[0]!.did.join('\n'), /e2fsck -p exited 4[\s\S]*e2fsck -fy exited [12]/);
    assert.deepEqual(r.snapshots.map((s) => s.reason), ['before-repair', 'before-e2fsck-y']);
    assert.equal(spawnSync('e2fsck', ['-fn', rootDev(p)]).status, 0, 'the root checks clean afterwards');
    assert.equal(debugfsCat(p, base.rootOffset, '/home/user/data.txt'), 'precious user data\n');
    assert.equal(r.ok, true, JSON.stringify(r.after.checks.filter((c) => c.status === 'problem')));
    cleanupSnapshots(r);
  });
  it('a zeroed primary superblock → rootfs.superblock; e2fsck recovers it from a backup', () => {
    const p = copy();
    poke(p, base.rootOffset + 1024, Buffer.alloc(1024));
    assert.ok(problems(p).includes('rootfs.superblock'));
    const r = repairImage(p);
    assert.equal(r.ok, true, JSON.stringify(r.after.checks.filter((c) => c.status === 'problem')));
    assert.equal(debugfsCat(p, base.rootOffset, '/home/user/data.txt'), 'precious user data\n');
    cleanupSnapshots(r);
  });
});

describe('restore-disk (explicit only)', () => {
  it('never runs unless named; named, it makes a thin overlay equal to the golden image', () => {
    const b = copy();
    const size = base.rootOffset + base.rootSize + 1024 * 1024;
    // An overlay 1 MiB larger than its base: the golden table no longer fits it, so no
    // targeted repair can bring the GPT back once both copies are gone.
    const ov = join(base.dir, `ov-${++n}.qcow2`);
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', b, '-F', 'raw', ov, String(size + 1024 * 1024)]);
    writeBytes(ov, 'qcow2', 0, Buffer.alloc(34 * 512));
    writeBytes(ov, 'qcow2', size - 33 * 512, Buffer.alloc(33 * 512));
    const r1 = repairImage(ov, { from: base.path });
    assert.equal(r1.ok, false, 'no targeted repair applies, and restore-disk is not chosen by itself');
    assert.deepEqual(r1.repairs, []);
    assert.ok(!offeredRepairs(ov, { from: base.path }).includes('restore-disk'));
    const r2 = repairImage(ov, { from: base.path, only: resolveRepairNames(['restore-disk']) });
    assert.deepEqual(r2.repairs.map((a) => a.id), ['restore-disk']);
    assert.match(r2.repairs[0]!.did.join(), /\d+ bytes differed/);
    const { reader } = openDisk(ov);
    try {
      assert.equal(createHash('sha256').update(reader.read(0, size)).digest('hex'), hash(base.path, 0, size));
    } finally {
      reader.close();
    }
  });
});

describe('an image in use', () => {
  it('is not repaired while a QEMU has it open (its lock is held); nothing is written', async () => {
    const p = copy();
    poke(p, 0, Buffer.alloc(34 * 512));
    const before = hash(p, 0, base.rootOffset + base.rootSize);
    // A paused QEMU (-S) opens the disk and takes its locks without booting anything.
    const q = spawn('qemu-system-x86_64', ['-machine', 'q35', '-m', '64', '-S', '-display', 'none', '-monitor', 'none', '-serial', 'none', '-drive', `file=${p},format=raw,if=virtio`], { stdio: 'ignore' });
    try {
      let locked = false;
      for (let i = 0; i < 100 && !locked; i++) {
        await new Promise((r) => setTimeout(r, 200));
        locked = spawnSync('qemu-io', ['-f', 'raw', '-c', 'quit', p]).status !== 0;
      }
      assert.ok(locked, 'QEMU took the lock');
      assert.throws(() => repairImage(p), (e) => isBootmedicError(e, 'IMAGE_REPAIR_FAILED') && /in use by a running VM/.test(e.message));
      assert.equal(hash(p, 0, base.rootOffset + base.rootSize), before);
    } finally {
      q.kill('SIGKILL');
    }
  });
});

describe('qcow2', () => {
  it('an overlay of a good image inspects ok, with qemu-img check and the backing chain', () => {
    const ov = join(base.dir, `ov-${++n}.qcow2`);
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base.path, '-F', 'raw', ov]);
    const { report } = inspectImage(ov);
    assert.equal(report.ok, true, JSON.stringify(report.checks.filter((c) => c.status === 'problem')));
    const chain = report.checks.find((c) => c.name === 'container.backing-chain')!;
    assert.match(chain.evidence, /depth 2/);
    assert.ok(report.checks.some((c) => c.name === 'container.qemu-img-check' && c.status === 'ok'));
  });
  it('a missing backing file is a container.backing-chain problem', () => {
    const b = copy();
    const ov = join(base.dir, `ov-${++n}.qcow2`);
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', b, '-F', 'raw', ov]);
    rmSync(b);
    const { report } = inspectImage(ov);
    assert.equal(report.ok, false);
    const c = report.checks.find((x) => x.name === 'container.backing-chain')!;
    assert.equal(c.status, 'problem');
    assert.match(c.evidence, /MISSING/);
  });
  it('repairs inside an overlay (GPT, fstab) with an internal snapshot, leaving the base untouched', () => {
    const b = copy();
    const ov = join(base.dir, `ov-${++n}.qcow2`);
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', b, '-F', 'raw', ov]);
    const baseHash = hash(b, 0, base.rootOffset + base.rootSize);
    writeBytes(ov, 'qcow2', 0, Buffer.alloc(34 * 512));
    assert.deepEqual(problems(ov), ['partition-table.mbr', 'partition-table.gpt-primary']);
    const r = repairImage(ov);
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.equal(r.snapshots[0]!.kind, 'qcow2-internal');
    const list = spawnSync('qemu-img', ['snapshot', '-l', ov], { encoding: 'utf8' }).stdout;
    assert.ok(list.includes(r.snapshots[0]!.ref), list);
    assert.equal(hash(b, 0, base.rootOffset + base.rootSize), baseHash, 'the backing file is untouched');
  });
  it('fixes fstab inside a thin overlay: only changed chunks are written, the base is untouched', () => {
    const b = copy();
    const ov = join(base.dir, `ov-${++n}.qcow2`);
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', b, '-F', 'raw', ov]);
    // Break fstab through the overlay with the same region machinery, as a fault injector would.
    const region = openRegion(ov, 'qcow2', base.rootOffset, base.rootSize);
    try {
      const tmp = join(base.dir, 'fstab.tmp');
      writeFileSync(tmp, debugfsCat(region.path, 0, '/etc/fstab')! + 'UUID=11111111-2222-3333-4444-555555555555 /srv/data ext4 defaults 0 2\n');
      tool('debugfs', ['-w', '-f', '-', region.path], `rm /etc/fstab\nwrite ${tmp} /etc/fstab\n`);
      region.commit();
    } finally {
      region.dispose();
    }
    const baseHash = hash(b, 0, base.rootOffset + base.rootSize);
    assert.deepEqual(problems(ov), ['fstab.devices']);
    const r = repairImage(ov);
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['fix-fstab']);
    assert.equal(hash(b, 0, base.rootOffset + base.rootSize), baseHash);
    const info = JSON.parse(spawnSync('qemu-img', ['info', '--output=json', ov], { encoding: 'utf8' }).stdout) as { 'actual-size': number };
    assert.ok(info['actual-size'] < base.rootSize / 2, `overlay grew to ${info['actual-size']} bytes for a one-file fix`);
  });
  it('fsck inside an overlay: a zeroed superblock is recovered from a backup, the data kept, the base untouched', () => {
    const b = copy();
    const ov = join(base.dir, `ov-${++n}.qcow2`);
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', b, '-F', 'raw', ov]);
    writeBytes(ov, 'qcow2', base.rootOffset + 1024, Buffer.alloc(1024));
    const baseHash = hash(b, 0, base.rootOffset + base.rootSize);
    assert.ok(problems(ov).includes('rootfs.superblock'));
    const r = repairImage(ov);
    assert.equal(r.ok, true, JSON.stringify(r.after.checks.filter((c) => c.status === 'problem')));
    assert.equal(r.repairs[0]!.id, 'fsck-root');
    assert.ok(r.snapshots.every((s) => s.kind === 'qcow2-internal'));
    assert.equal(hash(b, 0, base.rootOffset + base.rootSize), baseHash);
    const region = openRegion(ov, 'qcow2', base.rootOffset, base.rootSize);
    try {
      assert.equal(debugfsCat(region.path, 0, '/home/user/data.txt'), 'precious user data\n');
    } finally {
      region.dispose();
    }
  });
  it('reads a qcow2 → qcow2 → raw chain', () => {
    const mid = join(base.dir, `mid-${++n}.qcow2`);
    const top = join(base.dir, `top-${n}.qcow2`);
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base.path, '-F', 'raw', mid]);
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', mid, '-F', 'qcow2', top]);
    const { report } = inspectImage(top);
    assert.equal(report.ok, true, JSON.stringify(report.checks.filter((c) => c.status === 'problem')));
    assert.match(report.checks.find((c) => c.name === 'container.backing-chain')!.evidence, /depth 3/);
  });
  it('reads compressed clusters (deflate and zstd) through its own reader', () => {
    for (const type of ['zlib', 'zstd']) {
      const c = join(base.dir, `c-${++n}.qcow2`);
      tool('qemu-img', ['convert', '-c', '-O', 'qcow2', '-o', `compression_type=${type}`, base.path, c]);
      const { report } = inspectImage(c);
      assert.equal(report.ok, true, `${type}: ${JSON.stringify(report.checks.filter((x) => x.status === 'problem'))}`);
      const { reader } = openDisk(c);
      try {
        assert.equal(createHash('sha256').update(reader.read(base.espOffset, base.espSize)).digest('hex'), espHash(base.path), `${type}: the ESP reads back byte for byte`);
      } finally {
        reader.close();
      }
    }
  });
  it('a dirty qcow2 header bit is a container.qcow2-header problem', () => {
    const ov = join(base.dir, `ov-${++n}.qcow2`);
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base.path, '-F', 'raw', ov]);
    poke(ov, 79, Buffer.from([1])); // incompatible_features bit 0 (dirty), big-endian u64 at 72
    const { report } = inspectImage(ov, { qemuImgCheck: false });
    const c = report.checks.find((x) => x.name === 'container.qcow2-header')!;
    assert.equal(c.status, 'problem');
    assert.match(c.evidence, /dirty/);
  });
  it('a corrupt qcow2 header is IMAGE_BAD_QCOW2, not a crash', () => {
    const ov = join(base.dir, `ov-${++n}.qcow2`);
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', ov, '64M']);
    poke(ov, 20, Buffer.from([0, 0, 0, 40])); // cluster_bits 40
    assert.throws(() => inspectImage(ov), (e) => isBootmedicError(e, 'IMAGE_BAD_QCOW2'));
  });
});
