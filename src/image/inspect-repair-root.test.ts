// Inspection and repair of the root filesystem, qcow2 overlays, images in use, restore-disk.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isBootmedicError } from '../core/index.ts';
import { inspectImage } from './inspect.ts';
import { openDisk } from './qcow2.ts';
import { openRegion, writeBytes } from './region.ts';
import { offeredRepairs, repairImage, resolveRepairNames } from './repair.ts';
import { base, cleanupSnapshots, copy, esp, espHash, fresh, hash, poke, problems, rootDev, tool, useBaseImage } from '../../testkit/index.ts';
import { debugfsCat } from './tools.ts';

useBaseImage();

describe('faults in the root filesystem', () => {
  it('an fstab line for a missing device → fstab.devices; repair adds nofail and keeps the data', () => {
    const p = copy();
    const fstab = debugfsCat(p, base.rootOffset, '/etc/fstab')! + 'UUID=11111111-2222-3333-4444-555555555555 /srv/data ext4 defaults 0 2\n';
    const tmp = fresh('fstab-#.tmp');
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
    const tmp = fresh('fstab-#.tmp');
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
    const tmp = fresh('fstab-#.tmp');
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
    const tmp = fresh('fstab-#.tmp');
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
    const tmp = fresh('hostname-#.tmp');
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
    const ov = fresh('ov-#.qcow2');
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
    const ov = fresh('ov-#.qcow2');
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base.path, '-F', 'raw', ov]);
    const { report } = inspectImage(ov);
    assert.equal(report.ok, true, JSON.stringify(report.checks.filter((c) => c.status === 'problem')));
    const chain = report.checks.find((c) => c.name === 'container.backing-chain')!;
    assert.match(chain.evidence, /depth 2/);
    assert.ok(report.checks.some((c) => c.name === 'container.qemu-img-check' && c.status === 'ok'));
  });
  it('a missing backing file is a container.backing-chain problem', () => {
    const b = copy();
    const ov = fresh('ov-#.qcow2');
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
    const ov = fresh('ov-#.qcow2');
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
    const ov = fresh('ov-#.qcow2');
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', b, '-F', 'raw', ov]);
    // Break fstab through the overlay with the same region machinery, as a fault injector would.
    const region = openRegion(ov, 'qcow2', base.rootOffset, base.rootSize);
    try {
      const tmp = fresh('fstab-#.tmp');
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
    const ov = fresh('ov-#.qcow2');
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
    const mid = fresh('mid-#.qcow2');
    const top = fresh('top-#.qcow2');
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base.path, '-F', 'raw', mid]);
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', mid, '-F', 'qcow2', top]);
    const { report } = inspectImage(top);
    assert.equal(report.ok, true, JSON.stringify(report.checks.filter((c) => c.status === 'problem')));
    assert.match(report.checks.find((c) => c.name === 'container.backing-chain')!.evidence, /depth 3/);
  });
  it('reads compressed clusters (deflate and zstd) through its own reader', () => {
    for (const type of ['zlib', 'zstd']) {
      const c = fresh('c-#.qcow2');
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
    const ov = fresh('ov-#.qcow2');
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base.path, '-F', 'raw', ov]);
    poke(ov, 79, Buffer.from([1])); // incompatible_features bit 0 (dirty), big-endian u64 at 72
    const { report } = inspectImage(ov, { qemuImgCheck: false });
    const c = report.checks.find((x) => x.name === 'container.qcow2-header')!;
    assert.equal(c.status, 'problem');
    assert.match(c.evidence, /dirty/);
  });
  it('a corrupt qcow2 header is IMAGE_BAD_QCOW2, not a crash', () => {
    const ov = fresh('ov-#.qcow2');
    tool('qemu-img', ['create', '-q', '-f', 'qcow2', ov, '64M']);
    poke(ov, 20, Buffer.from([0, 0, 0, 40])); // cluster_bits 40
    assert.throws(() => inspectImage(ov), (e) => isBootmedicError(e, 'IMAGE_BAD_QCOW2'));
  });
});

