// Fuzz targets for the image parsers that read a disk: GPT, FAT (the ESP), ext4 (the root)
// and qcow2 (with its backing chain). Inputs are a real test image (or a qcow2 built here)
// with structure-aware mutations of its metadata, so the parsers get past their magic
// checks. Used by the *.fuzz.test.ts files beside them and by bench/fuzz.ts.
import { fileErrors } from '../core/index.ts';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { codesOf, type FuzzTarget } from '../../testkit/index.ts';
import { mutationArb, withMutation, type Mutation } from '../../testkit/index.ts';
import { describeChain } from './container.ts';
import { checkRange, sliceReader, type DiskReader } from './disk-reader.ts';
import { imageErrors } from './errors.ts';
import { readExt4File } from './ext4-files.ts';
import { looksLikeExt4, readExt4Superblock } from './ext4.ts';
import { openFat } from './fat.ts';
import { readPartitionTable, SECTOR } from './gpt.ts';
import { openDisk } from './qcow2.ts';
import { buildTestImage } from '../../testkit/index.ts';

const codes = codesOf(imageErrors, fileErrors);

/**
 * A reader over a buffer that counts the bytes it hands out and throws (an uncatalogued
 * error, so a fuzz failure) past `16 × size + 4 MiB`: a parser's reads stay linear in the
 * image, whatever its headers claim.
 */
export function budgetReader(buf: Buffer, what = 'fuzz image'): DiskReader {
  const budget = 16 * buf.length + 4 * 1024 * 1024;
  let used = 0;
  return {
    format: 'raw',
    size: buf.length,
    read(offset, length) {
      checkRange(what, buf.length, offset, length);
      used += length;
      if (used > budget) throw new Error(`${what}: the parser read ${used} bytes of a ${buf.length}-byte image (budget ${budget}): reads are not linear`);
      return Buffer.from(buf.subarray(offset, offset + length));
    },
    close() {},
  };
}

type Fixture = { disk: Buffer; esp: Buffer; root: Buffer; gptRegions: [number, number][]; fatRegions: [number, number][]; ext4Regions: [number, number][] };
let fixture: Fixture | undefined;

/** The test image (GPT, FAT16 ESP, ext4 root) and where each parser's metadata lies in it; built once per process. */
function image(): Fixture {
  if (fixture !== undefined) return fixture;
  const img = buildTestImage({ espMiB: 8, fat: 16, rootMiB: 8 });
  let disk: Buffer;
  try {
    disk = readFileSync(img.path);
  } finally {
    rmSync(img.dir, { recursive: true, force: true });
  }
  const esp = disk.subarray(img.espOffset, img.espOffset + img.espSize);
  const root = disk.subarray(img.rootOffset, img.rootOffset + img.rootSize);
  const gptRegions: [number, number][] = [[0, 34 * SECTOR], [disk.length - 33 * SECTOR, disk.length]];
  // FAT: boot sector, FATs and root directory, then every subdirectory's clusters.
  const bps = esp.readUInt16LE(11);
  const spc = esp[13]!;
  const dataStart = esp.readUInt16LE(14) + esp[16]! * esp.readUInt16LE(22) + Math.ceil((esp.readUInt16LE(17) * 32) / bps);
  const fatRegions: [number, number][] = [[0, dataStart * bps]];
  for (const e of openFat(budgetReader(esp)).list()) {
    if (e.isDir) fatRegions.push([(dataStart + (e.firstCluster - 2) * spc) * bps, (dataStart + (e.firstCluster - 1) * spc) * bps]);
  }
  // ext4: superblock, group descriptors, the first inodes, and the first block of each.
  const bs = 1024 << root.readUInt32LE(1024 + 24);
  const inodeSize = root.readUInt16LE(1024 + 88);
  const gdt = (root.readUInt32LE(1024 + 20) + 1) * bs;
  const table = root.readUInt32LE(gdt + 8) * bs;
  const ext4Regions: [number, number][] = [[1024, 2048], [gdt, gdt + 64], [table, table + 24 * inodeSize]];
  for (let n = 2; n <= 24; n++) {
    const ino = table + (n - 1) * inodeSize;
    if (root.readUInt16LE(ino + 0x28) === 0xf30a && root.readUInt16LE(ino + 0x28 + 2) > 0) {
      const start = root.readUInt32LE(ino + 0x28 + 12 + 8) * bs;
      if (start > 0 && start + bs <= root.length) ext4Regions.push([start, start + bs]);
    }
  }
  fixture = { disk, esp, root, gptRegions, fatRegions, ext4Regions };
  return fixture;
}

/** GPT: the partition table of the test image with its headers and entry arrays mutated. */
export const gptTarget: FuzzTarget<Mutation> = {
  name: 'gpt',
  codes,
  arbitrary: () => (image(), mutationArb({ bigEndian: false, maxEdits: 12, rawMax: 1 << 16 })),
  size: (m) => m.raw?.length ?? image().disk.length,
  run(m) {
    const f = image();
    withMutation(f.disk, f.gptRegions, m, (b) => {
      const disk = budgetReader(b, 'disk');
      const t = readPartitionTable(disk);
      for (const p of t.partitions) sliceReader(disk, p.offset, p.size);
    });
  },
};

/** FAT: the ESP with its boot sector, FATs and directories mutated; lists it and reads the boot files. */
export const fatTarget: FuzzTarget<Mutation> = {
  name: 'fat',
  codes,
  arbitrary: () => (image(), mutationArb({ bigEndian: false, maxEdits: 12, rawMax: 1 << 16 })),
  size: (m) => m.raw?.length ?? image().esp.length,
  run(m) {
    const f = image();
    withMutation(f.esp, f.fatRegions, m, (b) => {
      const fat = openFat(budgetReader(b, 'ESP'));
      const files = fat.list().filter((e) => !e.isDir);
      for (const e of files.slice(0, 8)) fat.readFile(e.path);
      fat.find('EFI/BOOT/BOOTX64.EFI');
    });
  },
};

/** ext4: the root filesystem with its superblock, descriptors, inodes and directories mutated; reads files by path. */
export const ext4Target: FuzzTarget<Mutation> = {
  name: 'ext4',
  codes,
  arbitrary: () => (image(), mutationArb({ bigEndian: false, maxEdits: 12, rawMax: 1 << 16 })),
  size: (m) => m.raw?.length ?? image().root.length,
  run(m) {
    const f = image();
    withMutation(f.root, f.ext4Regions, m, (b) => {
      const part = budgetReader(b, 'root');
      if (!looksLikeExt4(part)) return;
      readExt4Superblock(part);
      for (const p of ['/etc/fstab', '/etc/link-to-data', '/home/user/data.txt', '/home/nope']) readExt4File(part, p);
    });
  },
};

// qcow2 -----------------------------------------------------------------------------

const CLUSTER_BITS = 12;
const CS = 1 << CLUSTER_BITS;

/**
 * A valid qcow2 v3 (qcow2.txt) of `guest` with 4 KiB clusters: header, L1, refcount table
 * and block, one L2 table, then the data; cluster 1 compressed (deflate, or zstd with the
 * compression-type field), zero clusters alternating between the zero flag and
 * unallocated (read from `backing` when given).
 */
export function buildQcow2(guest: Buffer, o: { zstd?: boolean; backing?: string } = {}): Buffer {
  const n = Math.ceil(guest.length / CS);
  const l2 = Buffer.alloc(CS);
  const data: Buffer[] = [];
  let next = 5;
  const x = 62 - (CLUSTER_BITS - 8);
  for (let i = 0; i < n; i++) {
    const c = Buffer.alloc(CS);
    guest.copy(c, 0, i * CS, (i + 1) * CS);
    if (c.every((v) => v === 0)) {
      if (i % 2 === 1) l2.writeBigUInt64BE(1n, i * 8);
      continue;
    }
    if (i === 1) {
      const z = o.zstd ? (zlib as unknown as { zstdCompressSync: (b: Buffer) => Buffer }).zstdCompressSync(c) : zlib.deflateRawSync(c);
      const sectors = Math.ceil(z.length / 512);
      l2.writeBigUInt64BE((1n << 62n) | (BigInt(sectors - 1) << BigInt(x)) | BigInt(next * CS), i * 8);
      const used = Math.ceil(z.length / CS);
      const padded = Buffer.alloc(used * CS);
      z.copy(padded);
      data.push(padded);
      next += used;
      continue;
    }
    l2.writeBigUInt64BE((1n << 63n) | BigInt(next * CS), i * 8);
    data.push(c);
    next++;
  }
  const h = Buffer.alloc(CS);
  h.writeUInt32BE(0x514649fb, 0);
  h.writeUInt32BE(3, 4);
  h.writeUInt32BE(CLUSTER_BITS, 20);
  h.writeBigUInt64BE(BigInt(guest.length), 24);
  h.writeUInt32BE(1, 36); // l1_size
  h.writeBigUInt64BE(BigInt(CS), 40); // l1_table_offset
  h.writeBigUInt64BE(BigInt(2 * CS), 48); // refcount_table_offset
  h.writeUInt32BE(1, 56); // refcount_table_clusters
  if (o.zstd) h.writeBigUInt64BE(8n, 72); // incompatible: compression type
  h.writeUInt32BE(4, 96); // refcount_order: 16-bit refcounts
  const headerLength = o.zstd ? 112 : 104;
  h.writeUInt32BE(headerLength, 100);
  if (o.zstd) h[104] = 1;
  if (o.backing !== undefined) {
    h.write(o.backing, 1024, 'utf8');
    h.writeBigUInt64BE(1024n, 8);
    h.writeUInt32BE(Buffer.byteLength(o.backing), 16);
    h.writeUInt32BE(0xe2792aca, headerLength); // backing format extension: "raw"
    h.writeUInt32BE(3, headerLength + 4);
    h.write('raw', headerLength + 8, 'latin1');
  }
  const l1 = Buffer.alloc(CS);
  l1.writeBigUInt64BE((1n << 63n) | BigInt(4 * CS), 0);
  const rt = Buffer.alloc(CS);
  rt.writeBigUInt64BE(BigInt(3 * CS), 0);
  const rb = Buffer.alloc(CS);
  for (let c = 0; c < next; c++) rb.writeUInt16BE(1, c * 2);
  return Buffer.concat([h, l1, rt, rb, l2, ...data]);
}

type Qcow2Fixture = { dir: string; samples: Buffer[] };
let qfix: Qcow2Fixture | undefined;

function qcow2Fixture(): Qcow2Fixture {
  if (qfix !== undefined) return qfix;
  const guest = Buffer.from(image().disk.subarray(0, 64 * 1024));
  const dir = mkdtempSync(join(tmpdir(), 'bootmedic-fuzz-qcow2-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const base = Buffer.alloc(64 * 1024);
  for (let i = 0; i < base.length; i += 4) base.writeUInt32LE(i, i);
  writeFileSync(join(dir, 'base.raw'), base);
  qfix = { dir, samples: [buildQcow2(guest), buildQcow2(guest, { zstd: true }), buildQcow2(guest, { backing: 'base.raw' })] };
  return qfix;
}

// The header fields (offset, width) of qcow2.txt, plus the L1, refcount and L2 tables.
const QCOW2_REGIONS: [number, number][] = [[0, 112], [4, 8], [8, 20], [20, 32], [32, 40], [36, 48], [72, 112], [1024, 1040], [CS, CS + 16], [2 * CS, 2 * CS + 16], [4 * CS, 4 * CS + 128], [0, 5 * CS]];

/** qcow2: a valid image (plain, zstd-compressed, or over a raw backing file) with header and table fields mutated. */
export const qcow2Target: FuzzTarget<{ sample: number; m: Mutation }> = {
  name: 'qcow2',
  codes,
  arbitrary: () => (qcow2Fixture(), fc.record({ sample: fc.nat(2), m: mutationArb({ bigEndian: true, maxEdits: 6, rawMax: 1 << 16 }) })),
  size: ({ sample, m }) => m.raw?.length ?? qcow2Fixture().samples[sample % 3]!.length,
  run({ sample, m }) {
    const q = qcow2Fixture();
    const path = join(q.dir, 'top.qcow2');
    withMutation(q.samples[sample % 3]!, QCOW2_REGIONS, m, (b) => writeFileSync(path, b));
    describeChain(path);
    const { reader } = openDisk(path);
    try {
      for (let at = 0; at < Math.min(reader.size, 128 * 1024); at += 16 * 1024) reader.read(at, Math.min(16 * 1024, reader.size - at));
      if (reader.size >= 512) reader.read(reader.size - 512, 512);
      readPartitionTable(reader);
    } finally {
      reader.close();
    }
  },
};
