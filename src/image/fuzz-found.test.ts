// Regression tests for what fuzzing the image parsers found (docs/fuzzing.md): each input
// made a parser hang, read without bound or throw an uncatalogued error before its fix.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isBootmedicError } from '../core/index.ts';
import { readExt4File } from './ext4-files.ts';
import { parseGrubCfg } from './grub-cfg.ts';
import { openFat } from './fat.ts';
import { inspectInitrd } from './initrd.ts';
import { openDisk, parseQcow2Header } from './qcow2.ts';
import { readPartitionTable } from './gpt.ts';
import { budgetReader, buildQcow2 } from './fuzz-disk-targets.ts';
import { describeChain } from './container.ts';
import { buildTestImage } from '../../testkit/index.ts';

let esp: Buffer;
let root: Buffer;
before(() => {
  const img = buildTestImage({ espMiB: 8, fat: 16, rootMiB: 8 });
  const disk = readFileSync(img.path);
  esp = Buffer.from(disk.subarray(img.espOffset, img.espOffset + img.espSize));
  root = Buffer.from(disk.subarray(img.rootOffset, img.rootOffset + img.rootSize));
  rmSync(img.dir, { recursive: true, force: true });
});
after(() => {
  esp = root = Buffer.alloc(0);
});

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBootmedicError(e, code), `expected ${code}, got ${(e as Error).stack ?? String(e)}`);
    return true;
  });
}

describe('fuzz findings: FAT', () => {
  it('cross-linked directories (each listed twice by its parent, 24 deep) are refused, not walked 2^24 times', () => {
    const b = Buffer.from(esp);
    const bps = b.readUInt16LE(11);
    const spc = b[13]!;
    const reserved = b.readUInt16LE(14);
    const fatSize = b.readUInt16LE(22);
    const rootStart = (reserved + b[16]! * fatSize) * bps;
    const dataStart = rootStart / bps + Math.ceil((b.readUInt16LE(17) * 32) / bps);
    const clusters = Math.floor((b.readUInt16LE(19) || b.readUInt32LE(32)) - dataStart) / spc;
    // 25 directories in the last (free) clusters: each holds two entries for the next one.
    const first = Math.floor(clusters) - 30;
    const dirEntry = (at: number, name: string, cluster: number) => {
      b.write(name.padEnd(11, ' '), at, 'latin1');
      b[at + 11] = 0x10;
      b.writeUInt16LE(cluster, at + 26);
    };
    for (let i = 0; i < 25; i++) {
      const c = first + i;
      for (let f = 0; f < b[16]!; f++) b.writeUInt16LE(0xffff, (reserved + f * fatSize) * bps + c * 2);
      const at = (dataStart + (c - 2) * spc) * bps;
      b.fill(0, at, at + spc * bps);
      if (i < 24) {
        dirEntry(at, 'A', c + 1);
        dirEntry(at + 32, 'B', c + 1);
      }
    }
    let slot = rootStart;
    while (b[slot] !== 0) slot += 32;
    dirEntry(slot, 'DAG', first);
    assertCode(() => openFat(budgetReader(b, 'ESP')).list(), 'IMAGE_BAD_FAT');
  });
});

describe('fuzz findings: ext4', () => {
  it('an extent tree whose index entries all point at one block (4 × 84^4 visits) is refused', () => {
    const b = Buffer.from(root);
    const sb = 1024;
    const bs = 1024 << b.readUInt32LE(sb + 24);
    assert.equal(bs, 1024, 'the test image has 1 KiB blocks');
    const inodeSize = b.readUInt16LE(sb + 88);
    const gdt = (b.readUInt32LE(sb + 20) + 1) * bs;
    const rootInode = b.readUInt32LE(gdt + 8) * bs + inodeSize; // inode 2
    // Four free blocks at the end of the filesystem, depths 1..4, each full of index entries to the one below.
    const last = Math.floor(b.length / bs) - 8;
    const header = (at: number, entries: number, max: number, depth: number) => {
      b.writeUInt16LE(0xf30a, at);
      b.writeUInt16LE(entries, at + 2);
      b.writeUInt16LE(max, at + 4);
      b.writeUInt16LE(depth, at + 6);
    };
    for (let d = 0; d <= 4; d++) {
      const at = (last + d) * bs;
      b.fill(0, at, at + bs);
      const n = d === 0 ? 0 : (bs - 12) / 12;
      header(at, n, (bs - 12) / 12, d);
      for (let i = 0; i < n; i++) b.writeUInt32LE(last + d - 1, at + 12 + i * 12 + 4);
    }
    const ib = rootInode + 0x28;
    b.writeUInt32LE(b.readUInt32LE(rootInode + 0x20) | 0x80000, rootInode + 0x20);
    b.fill(0, ib, ib + 60);
    header(ib, 4, 4, 5);
    for (let i = 0; i < 4; i++) b.writeUInt32LE(last + 4, ib + 12 + i * 12 + 4);
    assertCode(() => readExt4File(budgetReader(b, 'root'), '/etc/fstab'), 'IMAGE_BAD_EXT4');
  });
});

describe('fuzz findings: grub.cfg', () => {
  // Each unclosed "${" scanned the rest of the text for its '}' (and sliced up to it to look
  // for a newline): 2 MB of them took minutes. The searches are counted here: the
  // characters String indexOf passes over stay a small multiple of the text.
  it('unclosed "${" and "${a" lines before one "}" are searched in linear time', () => {
    const original = String.prototype.indexOf;
    let scanned = 0;
    String.prototype.indexOf = function (this: string, search: string, from = 0) {
      const at = original.call(this, search, from);
      scanned += (at < 0 ? this.length : at) - from;
      return at;
    };
    let a: ReturnType<typeof parseGrubCfg>;
    let b: ReturnType<typeof parseGrubCfg>;
    const textA = '${'.repeat(20_000);
    const textB = '${a\n'.repeat(10_000) + '}';
    let scannedA: number;
    try {
      a = parseGrubCfg(textA);
      scannedA = scanned;
      scanned = 0;
      b = parseGrubCfg(textB);
    } finally {
      String.prototype.indexOf = original;
    }
    assert.equal(a.entries.length, 0);
    assert.deepEqual(b.problems, ["line 10001: '}' without an opening '{'"]);
    assert.ok(scannedA <= 4 * textA.length, `${scannedA} characters searched in a text of ${textA.length}`);
    assert.ok(scanned <= 4 * textB.length, `${scanned} characters searched in a text of ${textB.length}`);
  });
});

describe('fuzz findings: qcow2', () => {
  // Found by bench/fuzz.ts --parser qcow2 --seed 7: a v3 header cut at 72 bytes made the
  // header_length read (byte 100) a RangeError.
  it('a version 3 header shorter than its 104 bytes is IMAGE_BAD_QCOW2', () => {
    const h = Buffer.alloc(72);
    h.writeUInt32BE(0x514649fb, 0);
    h.writeUInt32BE(3, 4);
    h.writeUInt32BE(16, 20);
    for (const len of [72, 80, 100, 103]) assertCode(() => parseQcow2Header(h.length >= len ? h.subarray(0, len) : Buffer.concat([h, Buffer.alloc(len - h.length)]), len), 'IMAGE_BAD_QCOW2');
  });
});

/** A zstd frame (RFC 8878) of `pieces`: raw blocks for buffers, RLE blocks of 128 KiB zeros for numbers (that many). */
function zstdFrame(pieces: (Buffer | number)[]): Buffer {
  const out: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38])]; // no content size; window 128 KiB
  const block = (type: number, size: number, last: boolean) => {
    const h = (size << 3) | (type << 1) | (last ? 1 : 0);
    return Buffer.from([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff]);
  };
  pieces.forEach((p, i) => {
    const last = i === pieces.length - 1;
    if (typeof p === 'number') for (let k = 0; k < p; k++) out.push(block(1, 128 * 1024, last && k === p - 1), Buffer.from([0]));
    else out.push(block(0, p.length, last), p);
  });
  return Buffer.concat(out);
}

describe('fuzz findings: initrd', () => {
  // An initrd of 20 KB that unpacks to 256 MiB (zstd RLE blocks): the in-process
  // decompression allocated it all, up to 1 GiB. Unpacking is bounded by the packed size.
  it('a 20 KB zstd bomb is refused before it is unpacked', () => {
    const cpioHead = (name: string, size: number) => {
      const hex = (n: number) => n.toString(16).padStart(8, '0');
      const h = Buffer.from('070701' + [1, 0o100644, 0, 0, 1, 0, size, 0, 0, 0, 0, name.length + 1, 0].map(hex).join('') + name + '\0', 'latin1');
      return Buffer.concat([h, Buffer.alloc((4 - (h.length % 4)) % 4)]);
    };
    const bomb = zstdFrame([cpioHead('big', 256 * 1024 * 1024), 2048, cpioHead('TRAILER!!!', 0)]);
    assert.ok(bomb.length < 20_000);
    const rss0 = process.memoryUsage().rss;
    assert.throws(() => inspectInitrd(bomb), (e: unknown) => {
      assert.ok(isBootmedicError(e, 'IMAGE_BAD_INITRD'), String(e));
      assert.match(e.message, /packed size/);
      return true;
    });
    assert.ok(process.resourceUsage().maxRSS * 1024 - rss0 < 128 * 1024 * 1024, 'unpacking stayed under 128 MiB');
  });
});

describe('headers that claim more than the file holds are refused before anything that size is allocated', () => {
  /** Runs fn with Buffer.alloc watched; returns the largest allocation asked for. */
  function largestAlloc(fn: () => void): number {
    const original = Buffer.alloc;
    let largest = 0;
    Buffer.alloc = ((size: number, ...rest: unknown[]) => {
      largest = Math.max(largest, size);
      return (original as (...a: unknown[]) => Buffer)(size, ...rest);
    }) as typeof Buffer.alloc;
    try {
      fn();
    } catch (e) {
      if (!isBootmedicError(e)) throw e;
    } finally {
      Buffer.alloc = original;
    }
    return largest;
  }
  const qcow2 = (clusterBits: number, size: bigint, l1Size: number) => {
    const h = Buffer.alloc(1 << 17);
    h.writeUInt32BE(0x514649fb, 0);
    h.writeUInt32BE(3, 4);
    h.writeUInt32BE(clusterBits, 20);
    h.writeBigUInt64BE(size, 24);
    h.writeUInt32BE(l1Size, 36);
    h.writeBigUInt64BE(1n << BigInt(clusterBits), 40);
    h.writeUInt32BE(4, 96);
    h.writeUInt32BE(104, 100);
    return h;
  };
  it('qcow2: 2^40 clusters, or an L1 table of 32 MiB, in a 128 KiB file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootmedic-claims-'));
    try {
      for (const [bits, size, l1] of [[9, 1n << 49n, 1 << 22], [16, 1n << 51n, 1 << 22]] as const) {
        const p = join(dir, `c${bits}.qcow2`);
        writeFileSync(p, qcow2(bits, size, l1));
        assertCode(() => openDisk(p), 'IMAGE_BAD_QCOW2');
        assert.equal(largestAlloc(() => openDisk(p)), 65536, 'the header read (64 KiB) is the largest allocation');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('ext4: a root directory claiming 12 MiB in an 8 MiB filesystem', () => {
    const b = Buffer.from(root);
    const bs = 1024 << b.readUInt32LE(1024 + 24);
    const gdt = (b.readUInt32LE(1024 + 20) + 1) * bs;
    const rootInode = b.readUInt32LE(gdt + 8) * bs + b.readUInt16LE(1024 + 88); // inode 2
    b.writeUInt32LE(12 * 1024 * 1024, rootInode + 4);
    assertCode(() => readExt4File(budgetReader(b, 'root'), '/etc/fstab'), 'IMAGE_BAD_EXT4');
    const largest = largestAlloc(() => readExt4File(budgetReader(b, 'root'), '/etc/fstab'));
    assert.ok(largest < 1024 * 1024, `${largest} bytes allocated`);
  });
  it('GPT: an entry array of 16384 × 4096 bytes, or of 4 MiB on a 1 MiB disk; cpio: a 4 GiB member in 200 bytes', () => {
    const disk = Buffer.alloc(1 << 20);
    disk.write('EFI PART', 512, 'latin1');
    disk.writeUInt32LE(92, 512 + 12);
    disk.writeBigUInt64LE(2n, 512 + 72);
    for (const [count, size] of [[16384, 4096], [32768, 128]] as const) {
      disk.writeUInt32LE(count, 512 + 80);
      disk.writeUInt32LE(size, 512 + 84);
      let problems: readonly string[] = [];
      const reader = budgetReader(disk);
      let read = 0;
      const counted = { ...reader, read: (at: number, n: number) => ((read += n), reader.read(at, n)) };
      problems = readPartitionTable(counted).primary?.problems ?? [];
      assert.ok(read <= 4096, `${read} bytes read: the entry array was read`);
      assert.ok(problems.some((p) => /implausible|outside the disk/.test(p)), problems.join('; '));
    }
    const cpio = Buffer.from('070701' + [1, 0o100644, 0, 0, 1, 0, 0xffffffff, 0, 0, 0, 0, 4, 0].map((n) => n.toString(16).padStart(8, '0')).join('') + 'big\0', 'latin1');
    assert.ok(largestAlloc(() => inspectInitrd(cpio)) <= 4096);
    assertCode(() => inspectInitrd(cpio), 'IMAGE_BAD_INITRD');
  });
});

describe('fuzz findings: qcow2 backing files', () => {
  // A backing file name of "." (or any directory) opened fine and then failed the first
  // read with EISDIR, an uncatalogued error, both in the chain walk and in openDisk.
  it('a backing file that is a directory is FILE_WRONG_TYPE (the guarded open) naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bootmedic-backing-'));
    try {
      const top = join(dir, 'top.qcow2');
      for (const backing of ['.', '..', '/']) {
        writeFileSync(top, buildQcow2(Buffer.alloc(64 * 1024, 1), { backing }));
        assertCode(() => describeChain(top), 'FILE_WRONG_TYPE');
        assertCode(() => openDisk(top), 'FILE_WRONG_TYPE');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
