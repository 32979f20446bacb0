// Mutation fuzzing of the image parsers: flip bytes in the metadata of a real image, or
// truncate it, and require that every failure is one of our typed IMAGE_* errors.
import { seededRandom } from '../core/index.ts';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isBootmedicError } from '../core/index.ts';
import { checkRange, sliceReader, type DiskReader } from './disk-reader.ts';
import { readExt4File } from './ext4-files.ts';
import { looksLikeExt4, readExt4Superblock } from './ext4.ts';
import { openFat } from './fat.ts';
import { readPartitionTable } from './gpt.ts';
import { parseGrubCfg } from './grub-cfg.ts';
import { memdiskConfig } from './grub-memdisk.ts';
import { kernelImageProblem } from './kernel-image.ts';
import { inspectInitrd } from './initrd.ts';
import { inspectImage } from './inspect.ts';
import { openDisk } from './qcow2.ts';
import { buildTestImage, type TestImage } from '../../testkit/index.ts';


function memoryReader(buf: Buffer): DiskReader {
  return {
    format: 'raw',
    size: buf.length,
    read(offset, length) {
      checkRange('memory', buf.length, offset, length);
      return Buffer.from(buf.subarray(offset, offset + length));
    },
    close() {},
  };
}

/** Everything inspection parses, without the external tools; returns how many problems it met. */
function parseAll(disk: DiskReader): number {
  const t = readPartitionTable(disk);
  let issues = (t.primary?.problems.length ?? 1) + (t.backup?.problems.length ?? 1) + (t.mbr.protective ? 0 : 1);
  for (const p of t.partitions) {
    const part = sliceReader(disk, p.offset, p.size);
    if (looksLikeExt4(part)) {
      readExt4Superblock(part);
      if (readExt4File(part, '/etc/fstab') === undefined) issues++;
      continue;
    }
    try {
      const fat = openFat(part);
      for (const e of fat.list()) {
        if (e.isDir) continue;
        const data = fat.readFile(e.path);
        if (e.name.endsWith('.cfg')) issues += parseGrubCfg(data.toString('utf8')).problems.length;
        if (e.name.toUpperCase().endsWith('.EFI')) {
          const stub = memdiskConfig(data);
          if (stub === undefined) issues++;
          else issues += parseGrubCfg(stub).problems.length;
        }
        if (e.name.startsWith('vmlinuz') && kernelImageProblem(data) !== undefined) issues++;
        if (e.name.startsWith('initrd') && !inspectInitrd(data).hasInit) issues++;
      }
    } catch (e) {
      if (!isBootmedicError(e) || !e.code.startsWith('IMAGE_')) throw e;
      if (e.code !== 'IMAGE_BAD_FAT' || part.read(0, 512)[510] === 0x55) issues++;
    }
  }
  return issues;
}

/** Runs one case; returns true when it threw (a typed error, or the assertion fails). */
function expectTyped(fn: () => void, seed: number): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    assert.ok(isBootmedicError(e) && e.code.startsWith('IMAGE_'), `seed ${seed}: untyped error ${(e as Error)?.stack ?? String(e)}`);
    return true;
  }
}

let img: TestImage;
let pristine: Buffer;
let hot: Array<[number, number]>;

before(() => {
  img = buildTestImage({ espMiB: 8, fat: 16, rootMiB: 8 });
  pristine = readFileSync(img.path);
  const end = pristine.length;
  hot = [[0, 34 * 512], [end - 33 * 512, end], [img.espOffset, img.espOffset + 256 * 1024], [img.rootOffset, img.rootOffset + 8192]];
});
after(() => {
  if (img !== undefined) rmSync(img.dir, { recursive: true, force: true });
});

function mutate(r: () => number): Buffer {
  const buf = Buffer.from(pristine);
  const flips = 1 + Math.floor(r() * 16);
  for (let i = 0; i < flips; i++) {
    const [a, b] = hot[Math.floor(r() * hot.length)]!;
    const at = a + Math.floor(r() * (b - a));
    buf[at] = r() < 0.3 ? 0xff : r() < 0.5 ? 0 : Math.floor(r() * 256);
  }
  if (r() < 0.15) return buf.subarray(0, Math.floor(r() * buf.length));
  return buf;
}

describe('fuzzing the image parsers', { timeout: 300_000 }, () => {
  it('mutated raw images (400 cases) fail only with IMAGE_* errors', () => {
    let noticed = 0;
    for (let seed = 1; seed <= 400; seed++) {
      let issues = 0;
      if (expectTyped(() => void (issues = parseAll(memoryReader(mutate(seededRandom(seed))))), seed) || issues > 0) noticed++;
    }
    assert.ok(noticed >= 40, `only ${noticed} of 400 mutations were noticed: the mutations miss the metadata`);
  });
  it('mutated images through the full inspection (debugfs included, 30 cases) give a report or an IMAGE_* error', () => {
    const p = join(img.dir, 'fuzz.img');
    for (let seed = 1001; seed <= 1030; seed++) {
      writeFileSync(p, mutate(seededRandom(seed)));
      expectTyped(() => {
        const { report } = inspectImage(p);
        assert.equal(typeof report.ok, 'boolean');
      }, seed);
    }
  });
  it('mutated qcow2 metadata (300 cases) fails only with IMAGE_* errors', () => {
    const q = join(img.dir, 'fuzz-src.qcow2');
    const r0 = spawnSync('qemu-img', ['convert', '-O', 'qcow2', img.path, q]);
    assert.equal(r0.status, 0, String(r0.stderr));
    const qz = join(img.dir, 'fuzz-src-z.qcow2');
    const r1 = spawnSync('qemu-img', ['convert', '-c', '-O', 'qcow2', '-o', 'compression_type=zstd', img.path, qz]);
    assert.equal(r1.status, 0, String(r1.stderr));
    const sources = [readFileSync(q), readFileSync(qz)];
    const p = join(img.dir, 'fuzz.qcow2');
    let threw = 0;
    for (let seed = 2001; seed <= 2300; seed++) {
      const r = seededRandom(seed);
      const buf = Buffer.from(sources[seed % 2]!);
      const flips = 1 + Math.floor(r() * 8);
      for (let i = 0; i < flips; i++) {
        // The header, L1 and refcount tables and the first L2 tables live in the first clusters.
        const at = r() < 0.5 ? Math.floor(r() * 512) : Math.floor(r() * Math.min(buf.length, 6 * 65536));
        buf[at] = Math.floor(r() * 256);
      }
      writeFileSync(p, r() < 0.1 ? buf.subarray(0, Math.floor(r() * buf.length)) : buf);
      if (expectTyped(() => {
        const { reader } = openDisk(p);
        try {
          parseAll(reader);
        } finally {
          reader.close();
        }
      }, seed)) threw++;
    }
    assert.ok(threw >= 30, `only ${threw} of 300 qcow2 mutations were rejected`);
  });
});
