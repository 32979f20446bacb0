import { closeSync, fsyncSync, mkdtempSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPath, runToolSync, withTempFile } from '../core/index.ts';
import { openForWrite, openReadOnly } from './disk-reader.ts';
import { imageErrors } from './errors.ts';
import { openDisk } from './qcow2.ts';

/**
 * A byte range of a disk image (usually a partition) as a raw file that e2fsprogs and
 * mtools can open at `offset`. For a raw image that is the image itself, so writes land in
 * place; for qcow2 the range is copied out with `qemu-img convert --image-opts` (the raw
 * driver's offset/size options) and `commit()` writes back the chunks that changed
 * (writeDifferences), which keeps the qcow2 file, its snapshots and its backing chain.
 */
export type Region = Readonly<{ path: string; offset: number; size: number; commit(): void; dispose(): void }>;

/** Escapes a file name for QEMU's comma-separated option syntax. */
const qemuOpt = (s: string) => s.replace(/,/g, ',,');

/** The --image-opts string for a window of a qcow2 (or raw) image. */
export function windowOpts(disk: string, format: 'raw' | 'qcow2', offset: number, size: number): string {
  return `driver=raw,offset=${offset},size=${size},file.driver=${format},file.file.filename=${qemuOpt(disk)}`;
}

const CHUNK = 64 * 1024;
const BATCH = 200;

/**
 * Makes the bytes [offset, offset+size) of `disk` equal to `source`, writing only the
 * 64 KiB chunks that differ: in place for raw; for qcow2 with `qemu-io -c 'write -s <file>
 * <offset> <len>'` (QEMU's own I/O path, so allocation, backing files and snapshots stay
 * right). Writing the whole range instead would allocate every cluster of it in a thin
 * overlay. Returns the number of bytes written.
 */
export function writeDifferences(disk: string, format: 'raw' | 'qcow2', offset: number, size: number, source: (at: number, len: number) => Buffer): number {
  const runs: Array<[number, number]> = [];
  const { reader } = openDisk(disk);
  try {
    const block = 4 * 1024 * 1024;
    for (let at = 0; at < size; at += block) {
      const len = Math.min(block, size - at);
      const mine = source(at, len);
      const theirs = reader.read(offset + at, len);
      for (let c = 0; c < len; c += CHUNK) {
        const n = Math.min(CHUNK, len - c);
        if (mine.compare(theirs, c, c + n, c, c + n) === 0) continue;
        const last = runs[runs.length - 1];
        if (last !== undefined && last[0] + last[1] === at + c) last[1] += n;
        else runs.push([at + c, n]);
      }
    }
  } finally {
    reader.close();
  }
  const total = runs.reduce((a, [, n]) => a + n, 0);
  if (runs.length === 0) return 0;
  if (format === 'raw') {
    const fd = openForWrite(disk);
    try {
      for (const [at, len] of runs) writeSync(fd, source(at, len), 0, len, offset + at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return total;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bootmedic-runs-'));
  try {
    for (let i = 0; i < runs.length; i += BATCH) {
      const args = ['-f', 'qcow2'];
      runs.slice(i, i + BATCH).forEach(([at, len], k) => {
        const file = join(dir, `run-${i + k}.bin`);
        writeFileSync(file, source(at, len));
        args.push('-c', `write -q -s ${file} ${offset + at} ${len}`);
      });
      args.push(disk);
      const r = runToolSync('qemu-io', args, { check: false, timeoutMs: 300_000 });
      if (r.code !== 0 || /error|failed/i.test(r.stderr + r.stdout)) {
        throw imageErrors.make('IMAGE_TOOL_FAILED', `qemu-io could not write the repaired bytes into ${disk}: ${(r.stderr + r.stdout).trim().split('\n').slice(-2).join(' / ')}`);
      }
      runs.slice(i, i + BATCH).forEach((_, k) => rmSync(join(dir, `run-${i + k}.bin`), { force: true }));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return total;
}

/** Reads `len` bytes at `at` of a file. */
function fileSource(path: string): (at: number, len: number) => Buffer {
  return (at, len) => {
    const fd = openReadOnly(path, 'source file');
    try {
      const b = Buffer.alloc(len);
      readSync(fd, b, 0, len, at);
      return b;
    } finally {
      closeSync(fd);
    }
  };
}

/** Opens a region of `disk`; call dispose() when done (and commit() first to keep writes). */
export function openRegion(disk: string, format: 'raw' | 'qcow2', offset: number, size: number): Region {
  if (format === 'raw') return { path: disk, offset, size, commit() {}, dispose() {} };
  const dir = mkdtempSync(join(tmpdir(), 'bootmedic-region-'));
  const path = join(dir, 'part.raw');
  try {
    runToolSync('qemu-img', ['convert', '-O', 'raw', '--image-opts', windowOpts(disk, format, offset, size), path], { timeoutMs: 300_000 });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    path, offset: 0, size,
    commit() {
      writeDifferences(disk, format, offset, size, fileSource(path));
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes the whole of `src` (a raw file) into `disk` at `offset`: in place for raw, through
 * `qemu-img convert -n` into a window of the image for qcow2.
 */
export function writeFileInto(disk: string, format: 'raw' | 'qcow2', offset: number, src: string): void {
  const size = checkPath(src, { what: 'source file' }).size;
  if (format === 'qcow2') {
    runToolSync('qemu-img', ['convert', '-n', '-f', 'raw', src, '--target-image-opts', windowOpts(disk, format, offset, size)], { timeoutMs: 300_000 });
    return;
  }
  const from = openReadOnly(src, 'source file');
  let to: number;
  try {
    to = openForWrite(disk);
  } catch (e) {
    closeSync(from);
    throw e;
  }
  try {
    const buf = Buffer.alloc(4 * 1024 * 1024);
    for (let at = 0; at < size; ) {
      const n = readSync(from, buf, 0, Math.min(buf.length, size - at), at);
      if (n === 0) break;
      writeSync(to, buf, 0, n, offset + at);
      at += n;
    }
    fsyncSync(to);
  } finally {
    closeSync(from);
    closeSync(to);
  }
}

/** Writes a buffer into `disk` at `offset` (see writeFileInto). */
export function writeBytes(disk: string, format: 'raw' | 'qcow2', offset: number, data: Buffer): void {
  withTempFile(data, (tmp) => writeFileInto(disk, format, offset, tmp));
}
