import { closeSync, fstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import * as zlib from 'node:zlib';
import { checkRange, openRawReader, openReadOnly, preadZeroFill, type DiskReader } from './disk-reader.ts';
import { imageErrors } from './errors.ts';
import { zstdFrameLength } from './zstd-frame.ts';

// The qcow2 layout follows QEMU's docs/interop/qcow2.txt (all fields big-endian).
const QCOW2_MAGIC = 0x514649fb;
const EXT_BACKING_FORMAT = 0xe2792aca;
const MAX_CHAIN = 16;

/** The decoded qcow2 header: what inspection reports about the container. */
export type Qcow2Header = Readonly<{
  version: number;
  clusterBits: number;
  size: number;
  backingFile: string | undefined;
  backingFormat: string | undefined;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  snapshots: number;
  incompatibleFeatures: number;
  /** Names of the set incompatible feature bits (dirty, corrupt, external-data, compression-type, extended-l2, unknown-N). */
  incompatibleNames: readonly string[];
  refcountOrder: number;
  compressionType: number;
}>;

const INCOMPAT_NAMES = ['dirty', 'corrupt', 'external-data', 'compression-type', 'extended-l2'];

function u64(buf: Buffer, at: number, what: string): number {
  const v = buf.readBigUInt64BE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw imageErrors.make('IMAGE_BAD_QCOW2', `${what}: field at byte ${at} is out of range`);
  return Number(v);
}

/** True when the first bytes of a file are the qcow2 magic. */
export function isQcow2(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32BE(0) === QCOW2_MAGIC;
}

/** Decodes a qcow2 header from the first cluster of the file (at least 512 bytes). */
export function parseQcow2Header(buf: Buffer, fileSize: number, what = 'qcow2'): Qcow2Header {
  if (!isQcow2(buf)) throw imageErrors.make('IMAGE_BAD_QCOW2', `${what}: no qcow2 magic`);
  if (buf.length < 72 || fileSize < 72) throw imageErrors.make('IMAGE_BAD_QCOW2', `${what}: qcow2 header cut short (${Math.min(buf.length, fileSize)} bytes, at least 72 needed)`);
  const version = buf.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw imageErrors.make('IMAGE_BAD_QCOW2', `${what}: qcow2 version ${version} (only 2 and 3 exist)`);
  // A version 3 header has 104 bytes at least (header_length is its last field).
  if (version === 3 && (buf.length < 104 || fileSize < 104)) throw imageErrors.make('IMAGE_BAD_QCOW2', `${what}: qcow2 v3 header cut short (${Math.min(buf.length, fileSize)} bytes, at least 104 needed)`);
  const backingOffset = u64(buf, 8, what);
  const backingSize = buf.readUInt32BE(16);
  const clusterBits = buf.readUInt32BE(20);
  if (clusterBits < 9 || clusterBits > 21) throw imageErrors.make('IMAGE_BAD_QCOW2', `${what}: cluster_bits ${clusterBits} outside 9..21`);
  const size = u64(buf, 24, what);
  const headerLength = version === 3 ? buf.readUInt32BE(100) : 72;
  if (version === 3 && (headerLength < 104 || headerLength > buf.length)) throw imageErrors.make('IMAGE_BAD_QCOW2', `${what}: header_length ${headerLength} is invalid`);
  const incompatibleFeatures = version === 3 ? u64(buf, 72, what) : 0;
  const incompatibleNames: string[] = [];
  for (let bit = 0; bit < 53; bit++) if (Math.floor(incompatibleFeatures / 2 ** bit) % 2 === 1) incompatibleNames.push(INCOMPAT_NAMES[bit] ?? `unknown-${bit}`);
  let backingFile: string | undefined;
  if (backingOffset !== 0) {
    if (backingSize === 0 || backingSize > 1023 || backingOffset + backingSize > Math.min(buf.length, fileSize)) {
      throw imageErrors.make('IMAGE_BAD_QCOW2', `${what}: backing file name (${backingSize} bytes at ${backingOffset}) lies outside the header cluster`);
    }
    backingFile = buf.subarray(backingOffset, backingOffset + backingSize).toString('utf8');
  }
  // Header extensions start right after the header, each 8-byte aligned.
  let backingFormat: string | undefined;
  let at = headerLength;
  for (let n = 0; n < 64 && at + 8 <= buf.length; n++) {
    const type = buf.readUInt32BE(at);
    const len = buf.readUInt32BE(at + 4);
    if (type === 0) break;
    if (at + 8 + len > buf.length) throw imageErrors.make('IMAGE_BAD_QCOW2', `${what}: header extension 0x${type.toString(16)} runs past the header cluster`);
    if (type === EXT_BACKING_FORMAT) backingFormat = buf.subarray(at + 8, at + 8 + len).toString('utf8');
    at += 8 + Math.ceil(len / 8) * 8;
  }
  return Object.freeze({
    version,
    clusterBits,
    size,
    backingFile,
    backingFormat,
    cryptMethod: buf.readUInt32BE(32),
    l1Size: buf.readUInt32BE(36),
    l1TableOffset: u64(buf, 40, what),
    refcountTableOffset: u64(buf, 48, what),
    refcountTableClusters: buf.readUInt32BE(56),
    snapshots: buf.readUInt32BE(60),
    incompatibleFeatures,
    incompatibleNames,
    refcountOrder: version === 3 ? buf.readUInt32BE(96) : 4,
    compressionType: version === 3 && headerLength > 104 ? buf[104]! : 0,
  });
}

/**
 * Opens one image of a chain read-only: IMAGE_NOT_FOUND when it is missing, or is neither
 * a file nor a block device (a backing file name of "." names a directory).
 */
export function openImageFile(path: string, what = 'disk image'): { fd: number; size: number } {
  const fd = openReadOnly(path, what);
  const st = fstatSync(fd);
  if (!st.isFile() && !st.isBlockDevice()) {
    closeSync(fd);
    throw imageErrors.make('IMAGE_NOT_FOUND', `disk image ${path}: a ${st.isDirectory() ? 'directory' : 'special file'}, not a disk image`);
  }
  return { fd, size: st.size };
}

/** Resolves a backing file name the way QEMU does: relative names are relative to the overlay's directory. */
export function resolveBackingPath(overlayPath: string, backingFile: string): string {
  return isAbsolute(backingFile) ? backingFile : resolve(dirname(overlayPath), backingFile);
}

/** One image of a backing chain, top first. */
export type ChainLink = Readonly<{ path: string; format: 'raw' | 'qcow2'; header: Qcow2Header | undefined }>;

/**
 * Opens a disk image of any supported container (probed by magic, or by the qcow2
 * backing-format extension) and returns a reader of guest bytes plus its backing chain.
 * A missing backing file throws IMAGE_NOT_FOUND naming it.
 */
export function openDisk(path: string, formatHint?: string, seen: Set<string> = new Set()): { reader: DiskReader; chain: ChainLink[] } {
  const { fd, size: fileSize } = openImageFile(path, seen.size === 0 ? 'disk image' : 'backing file');
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // openReadOnly succeeded, so the path exists; keep the given name.
  }
  if (seen.has(real) || seen.size >= MAX_CHAIN) {
    closeSync(fd);
    throw imageErrors.make('IMAGE_BACKING_LOOP', `backing chain of ${path}: ${seen.has(real) ? 'refers back to itself' : `deeper than ${MAX_CHAIN}`}`);
  }
  seen.add(real);
  const head = preadZeroFill(fd, 0, Math.min(65536, Math.max(fileSize, 4)));
  if (formatHint === 'raw' || (formatHint === undefined && !isQcow2(head))) {
    closeSync(fd);
    return { reader: openRawReader(path), chain: [{ path, format: 'raw', header: undefined }] };
  }
  if (formatHint !== undefined && formatHint !== 'qcow2') {
    closeSync(fd);
    throw imageErrors.make('IMAGE_QCOW2_UNSUPPORTED', `${path}: backing format '${formatHint}' is not raw or qcow2`);
  }
  try {
    const header = parseQcow2Header(head, fileSize, path);
    let backing: { reader: DiskReader; chain: ChainLink[] } | undefined;
    if (header.backingFile !== undefined) backing = openDisk(resolveBackingPath(path, header.backingFile), header.backingFormat, seen);
    const reader = qcow2Reader(fd, fileSize, header, path, backing?.reader);
    return { reader, chain: [{ path, format: 'qcow2', header }, ...(backing?.chain ?? [])] };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function qcow2Reader(fd: number, fileSize: number, h: Qcow2Header, path: string, backing: DiskReader | undefined): DiskReader {
  if (h.cryptMethod !== 0) throw imageErrors.make('IMAGE_QCOW2_UNSUPPORTED', `${path}: encrypted qcow2 (crypt_method ${h.cryptMethod})`);
  if (h.incompatibleNames.includes('external-data') || h.incompatibleNames.includes('extended-l2')) {
    throw imageErrors.make('IMAGE_QCOW2_UNSUPPORTED', `${path}: qcow2 feature ${h.incompatibleNames.join(', ')}`);
  }
  const clusterSize = 2 ** h.clusterBits;
  const l2Entries = clusterSize / 8;
  const needL1 = Math.ceil(h.size / clusterSize / l2Entries);
  if (h.l1Size < needL1 || h.l1Size > 32 * 1024 * 1024 / 8) throw imageErrors.make('IMAGE_BAD_QCOW2', `${path}: L1 table has ${h.l1Size} entries, needs ${needL1}`);
  if (h.l1TableOffset % clusterSize !== 0 || h.l1TableOffset + h.l1Size * 8 > fileSize) {
    throw imageErrors.make('IMAGE_BAD_QCOW2', `${path}: L1 table at ${h.l1TableOffset} lies outside the file or is unaligned`);
  }
  const l1 = preadZeroFill(fd, h.l1TableOffset, h.l1Size * 8);
  const l2Cache = new Map<number, Buffer>();
  const OFFSET_MASK = 0x00fffffffffffe00n;

  function l2Table(l1Index: number): Buffer | undefined {
    const entry = l1.readBigUInt64BE(l1Index * 8);
    const off = Number(entry & OFFSET_MASK);
    if (off === 0) return undefined;
    if (off % clusterSize !== 0 || off + clusterSize > fileSize) throw imageErrors.make('IMAGE_BAD_QCOW2', `${path}: L2 table at ${off} lies outside the file or is unaligned`);
    let t = l2Cache.get(off);
    if (t === undefined) {
      if (l2Cache.size > 4096) l2Cache.clear();
      t = preadZeroFill(fd, off, clusterSize);
      l2Cache.set(off, t);
    }
    return t;
  }

  // Compressed clusters (qcow2.txt "Compressed Clusters Descriptor"): x = 62 - (cluster_bits - 8)
  // bits of host offset, then the count of additional 512-byte sectors; raw deflate, or zstd
  // when the header's compression type is 1. The last few are cached: reads come in runs.
  const x = 62 - (h.clusterBits - 8);
  const zcache = new Map<number, Buffer>();
  function compressedCluster(entry: bigint, vcluster: number): Buffer {
    const hit = zcache.get(vcluster);
    if (hit !== undefined) return hit;
    const off = Number(entry & ((1n << BigInt(x)) - 1n));
    const sectors = Number((entry >> BigInt(x)) & ((1n << BigInt(h.clusterBits - 8)) - 1n)) + 1;
    const len = sectors * 512 - (off % 512);
    if (off + 1 > fileSize) throw imageErrors.make('IMAGE_BAD_QCOW2', `${path}: compressed cluster ${vcluster} at ${off} lies outside the file`);
    const raw = preadZeroFill(fd, off, Math.min(len, fileSize - off));
    let plain: Buffer;
    try {
      if (h.compressionType === 1) {
        // The sectors hold one zstd frame plus padding; decompress the frame alone.
        const n = zstdFrameLength(raw);
        if (n === undefined) throw new Error('zstd frame is cut short');
        plain = (zlib as unknown as { zstdDecompressSync: (b: Buffer, o: object) => Buffer }).zstdDecompressSync(raw.subarray(0, n), { maxOutputLength: clusterSize * 2 });
      } else {
        plain = zlib.inflateRawSync(raw, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: clusterSize * 2 });
      }
    } catch (cause) {
      throw imageErrors.make('IMAGE_BAD_QCOW2', `${path}: compressed cluster ${vcluster} does not decompress (${(cause as Error).message})`, { cause });
    }
    const out = Buffer.alloc(clusterSize);
    plain.copy(out, 0, 0, Math.min(plain.length, clusterSize));
    if (zcache.size > 64) zcache.clear();
    zcache.set(vcluster, out);
    return out;
  }

  // Fills `out` with one cluster's slice of guest bytes.
  function readInCluster(guest: number, out: Buffer, outAt: number, len: number): void {
    const vcluster = Math.floor(guest / clusterSize);
    const within = guest % clusterSize;
    const l1Index = Math.floor(vcluster / l2Entries);
    const t = l2Table(l1Index);
    const entry = t === undefined ? 0n : t.readBigUInt64BE((vcluster % l2Entries) * 8);
    if ((entry >> 62n) & 1n) {
      compressedCluster(entry, vcluster).copy(out, outAt, within, within + len);
      return;
    }
    const host = Number(entry & OFFSET_MASK);
    if (h.version === 3 && (entry & 1n) === 1n) {
      out.fill(0, outAt, outAt + len); // the "reads as zeros" flag (v3)
    } else if (host === 0) {
      if (backing !== undefined && guest < backing.size) {
        const n = Math.min(len, backing.size - guest);
        backing.read(guest, n).copy(out, outAt);
        out.fill(0, outAt + n, outAt + len);
      } else {
        out.fill(0, outAt, outAt + len);
      }
    } else {
      if (host % clusterSize !== 0 || host + clusterSize > fileSize + clusterSize) throw imageErrors.make('IMAGE_BAD_QCOW2', `${path}: data cluster at ${host} lies outside the file`);
      preadZeroFill(fd, host + within, len).copy(out, outAt);
    }
  }

  return {
    format: 'qcow2',
    size: h.size,
    read(offset, length) {
      checkRange(path, h.size, offset, length);
      const out = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const guest = offset + done;
        const n = Math.min(length - done, clusterSize - (guest % clusterSize));
        readInCluster(guest, out, done, n);
        done += n;
      }
      return out;
    },
    close() {
      closeSync(fd);
      backing?.close();
    },
  };
}
