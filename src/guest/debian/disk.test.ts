import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assembleDisk, GPT_TYPES, installBiosGrub, planLayout, sfdiskScript } from './disk.ts';

const uuids = { esp: '11111111-1111-4111-8111-111111111111', root: '22222222-2222-4222-8222-222222222222', biosBoot: '33333333-3333-4333-8333-333333333333' };
const hasSfdisk = spawnSync('sfdisk', ['--version']).status === 0;

test('layout: ESP at 1 MiB, root after it, BIOS boot partition last, space for the backup GPT', () => {
  const l = planLayout({ diskGuid: '44444444-4444-4444-8444-444444444444', espMiB: 128, rootMiB: 1024, biosBootMiB: 1, uuids });
  assert.deepEqual(l.partitions.map((p) => [p.number, p.start, p.sectors]), [[1, 2048, 262144], [2, 264192, 2097152], [3, 2361344, 2048]]);
  assert.equal(l.totalSectors, 2361344 + 2048 + 2048);
  assert.match(sfdiskScript(l), /^label: gpt\nlabel-id: 44444444/);
  assert.match(sfdiskScript(l), new RegExp(`start=2048, size=262144, type=${GPT_TYPES.esp}`));
});

test('assembleDisk writes a GPT sfdisk reads back and copies partition images sparsely', { skip: hasSfdisk ? false : 'sfdisk (fdisk package) is not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-disk-'));
  try {
    const esp = join(dir, 'esp');
    const data = Buffer.alloc(1 << 20);
    data.write('ESP-START', 0);
    data.write('ESP-END', data.length - 7);
    writeFileSync(esp, data);
    const root = join(dir, 'root');
    writeFileSync(root, Buffer.alloc(2 << 20)); // all zeros: must stay a hole
    const l = planLayout({ diskGuid: '44444444-4444-4444-8444-444444444444', espMiB: 1, rootMiB: 2, uuids });
    const p1 = l.partitions[0];
    const p2 = l.partitions[1];
    assert.ok(p1 && p2);
    p1.image = esp;
    p2.image = root;
    const disk = join(dir, 'disk.img');
    await assembleDisk(disk, l);
    const dump = JSON.parse(spawnSync('sfdisk', ['--json', disk], { encoding: 'utf8' }).stdout) as { partitiontable: { label: string; partitions: { start: number; size: number; type: string; uuid: string }[] } };
    assert.equal(dump.partitiontable.label, 'gpt');
    assert.deepEqual(dump.partitiontable.partitions.map((p) => [p.start, p.size, p.type.toUpperCase(), p.uuid.toLowerCase()]), [[2048, 2048, GPT_TYPES.esp, uuids.esp], [4096, 4096, GPT_TYPES.linux, uuids.root]]);
    const fd = openSync(disk, 'r');
    const b = Buffer.alloc(9);
    readSync(fd, b, 0, 9, 2048 * 512);
    closeSync(fd);
    assert.equal(b.toString(), 'ESP-START');
    const st = statSync(disk);
    assert.ok(st.blocks * 512 < st.size / 2, `the zero root stays a hole (${st.blocks * 512} of ${st.size} bytes allocated)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('installBiosGrub patches the MBR boot code and core.img blocklist, keeping the partition table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-bios-'));
  try {
    const disk = join(dir, 'disk');
    const mbr = Buffer.alloc(8 << 20);
    mbr.fill(0xee, 446, 512); // stands for the protective MBR's entries and signature
    writeFileSync(disk, mbr);
    writeFileSync(join(dir, 'boot.img'), Buffer.alloc(512, 0xaa));
    writeFileSync(join(dir, 'core.img'), Buffer.alloc(3 * 512 + 100, 0xbb));
    const part = { number: 3, name: 'BIOS boot', type: GPT_TYPES.biosBoot, uuid: uuids.biosBoot, start: 4096, sectors: 2048 };
    installBiosGrub(disk, join(dir, 'boot.img'), join(dir, 'core.img'), part);
    const fd = openSync(disk, 'r');
    const s0 = Buffer.alloc(512);
    readSync(fd, s0, 0, 512, 0);
    const c0 = Buffer.alloc(512);
    readSync(fd, c0, 0, 512, 4096 * 512);
    closeSync(fd);
    assert.equal(s0.readBigUInt64LE(0x5c), 4096n, 'boot.img points at core.img');
    assert.equal(s0[0x66], 0x90);
    assert.equal(s0[446], 0xee, 'partition entries untouched');
    assert.equal(s0[439], 0xaa);
    assert.equal(c0.readBigUInt64LE(0x1f4), 4097n, 'the rest of core.img follows its first sector');
    assert.equal(c0.readUInt16LE(0x1fc), 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
