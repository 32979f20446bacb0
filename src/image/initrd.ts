import { isBootmedicError, peekToolSync, runToolSync } from '../core/index.ts';
import * as zlib from 'node:zlib';
import { imageErrors } from './errors.ts';

// An initramfs is a series of cpio "newc" archives (Linux Documentation/driver-api/
// early-userspace/buffer-format.rst), each optionally compressed, concatenated with
// zero padding between them. initramfs-tools puts an uncompressed early cpio (microcode)
// before the compressed main one.

/** What a look inside an initrd found. */
export type InitrdInfo = Readonly<{
  /** One entry per archive segment, e.g. ["cpio", "zstd"]. */
  segments: readonly string[];
  /** Files listed; a lower bound when `listedAll` is false (the zstd fast path peeks). */
  files: number;
  listedAll: boolean;
  hasInit: boolean;
  /** The unpacked size in bytes (of what was unpacked: the peek, on the zstd fast path). */
  unpackedBytes: number;
}>;

const MAX_UNPACKED = 1024 * 1024 * 1024;
// A compressed segment may unpack to 64 times its packed size (64 MiB at least): initrds
// unpack to a few times their size, while a decompression bomb (zstd RLE blocks reach
// thousands of times) would otherwise make us allocate up to MAX_UNPACKED.
const MAX_RATIO = 64;
const MIN_BOUND = 64 * 1024 * 1024;

function bad(what: string, msg: string, cause?: unknown): never {
  throw imageErrors.make('IMAGE_BAD_INITRD', `${what}: ${msg}`, cause === undefined ? {} : { cause });
}

function compression(b: Buffer, at: number): 'gzip' | 'zstd' | 'xz' | 'lz4' | 'bzip2' | 'lzma' | 'cpio' | undefined {
  if (b.length - at < 6) return undefined;
  if (b[at] === 0x1f && (b[at + 1] === 0x8b || b[at + 1] === 0x9e)) return 'gzip';
  if (b.readUInt32LE(at) === 0xfd2fb528) return 'zstd';
  if (b.toString('latin1', at, at + 6) === '\xfd7zXZ\0') return 'xz';
  if (b.readUInt32LE(at) === 0x184c2102) return 'lz4';
  if (b.toString('latin1', at, at + 3) === 'BZh') return 'bzip2';
  if (b[at] === 0x5d && b[at + 1] === 0x00) return 'lzma';
  if (b.toString('latin1', at, at + 6) === '070701' || b.toString('latin1', at, at + 6) === '070702') return 'cpio';
  return undefined;
}

type CpioWalk = { end: number; names: string[]; cut: boolean };

/**
 * Walks newc cpio headers from `at` up to and including TRAILER!!!; returns where it ended.
 * With `partial`, running out of bytes ends the walk (cut) instead of being an error.
 */
function walkCpio(b: Buffer, at: number, what: string, names: string[], partial = false): CpioWalk {
  let p = at;
  for (;;) {
    if (partial && p + 110 > b.length) return { end: b.length, names, cut: true };
    if (p + 110 > b.length) bad(what, `cpio archive truncated at byte ${p}`);
    const magic = b.toString('latin1', p, p + 6);
    if (magic !== '070701' && magic !== '070702') bad(what, `bad cpio magic at byte ${p}`);
    const hex = (i: number) => {
      const s = b.toString('latin1', p + 6 + i * 8, p + 14 + i * 8);
      if (!/^[0-9a-fA-F]{8}$/.test(s)) bad(what, `bad cpio header field at byte ${p}`);
      return parseInt(s, 16);
    };
    const fileSize = hex(6);
    const nameSize = hex(11);
    if (nameSize === 0 || nameSize > 4096) bad(what, `bad cpio name size at byte ${p}`);
    const nameEnd = p + 110 + nameSize;
    if (partial && nameEnd > b.length) return { end: b.length, names, cut: true };
    if (nameEnd > b.length) bad(what, `cpio name runs past the end at byte ${p}`);
    const name = b.toString('utf8', p + 110, nameEnd - 1);
    const dataStart = Math.ceil(nameEnd / 4) * 4;
    const dataEnd = dataStart + fileSize;
    if (partial && dataEnd > b.length) {
      names.push(name.replace(/^\.?\/?/, ''));
      return { end: b.length, names, cut: true };
    }
    if (dataEnd > b.length) bad(what, `cpio member ${name} is truncated`);
    p = Math.ceil(dataEnd / 4) * 4;
    if (name === 'TRAILER!!!') return { end: Math.min(p, b.length), names, cut: false };
    names.push(name.replace(/^\.?\/?/, ''));
  }
}

function decompress(kind: string, data: Buffer, what: string): Buffer {
  const bound = Math.min(MAX_UNPACKED, Math.max(MIN_BOUND, MAX_RATIO * data.length));
  const opts = { maxOutputLength: bound };
  try {
    switch (kind) {
      case 'gzip': return zlib.gunzipSync(data, opts);
      case 'zstd': {
        const z = (zlib as unknown as { zstdDecompressSync?: (b: Buffer, o: object) => Buffer }).zstdDecompressSync;
        if (z === undefined) bad(what, 'zstd initrd needs Node 24 (zlib.zstdDecompressSync)');
        return z(data, opts);
      }
      default:
        return bad(what, `${kind}-compressed initrd segments are not read by bootmedic`);
    }
  } catch (e) {
    if (e instanceof Error && (e as { code?: string }).code?.startsWith('IMAGE_')) throw e;
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      return bad(what, `${kind} data unpacks to more than ${bound} bytes, over ${MAX_RATIO} times its packed size (${data.length} bytes): not an initrd`, e);
    }
    return bad(what, `${kind} data does not decompress (${(e as Error).message})`, e);
  }
}

const PEEK = 8 * 1024 * 1024;

/**
 * The zstd fast path: node's zstd is slower than the zstd tool (figures in docs/image.md),
 * and a 30 MB Debian initrd would dominate inspection. `zstd -t` proves the whole stream sound;
 * the first 8 MiB of output, read with `zstd -dc` cut off by maxBuffer, list the names up
 * to /init (initramfs-tools puts it among the first entries). Returns undefined (use the
 * in-process path) when the tool is missing or /init is not in the peek.
 */
function zstdFast(data: Buffer, what: string, names: string[]): number | undefined {
  let out: Buffer;
  try {
    const test = runToolSync('zstd', ['-tq'], { input: data, timeoutMs: 60_000, check: false, what: `test of ${what}` });
    if (test.code !== 0) bad(what, `zstd data does not decompress (${test.stderr.trim().replace(/\s+/g, ' ')})`);
    out = peekToolSync('zstd', ['-dcq'], { input: data, maxBytes: PEEK, timeoutMs: 60_000, what: `peek into ${what}` });
  } catch (e) {
    // No zstd here, or it failed or timed out on the peek: the in-process path decides.
    if (isBootmedicError(e) && e.code.startsWith('TOOL_')) return undefined;
    throw e;
  }
  if (out.length === 0) return undefined;
  const found: string[] = [];
  walkCpio(out, 0, what, found, true);
  if (!found.includes('init')) return undefined;
  names.push(...found);
  return out.length;
}

/**
 * Checks that an initrd unpacks: every segment decompresses and parses as cpio, and /init
 * exists in one of them. Throws IMAGE_BAD_INITRD with the reason otherwise.
 */
export function inspectInitrd(data: Buffer, what = 'initrd'): InitrdInfo {
  const segments: string[] = [];
  const names: string[] = [];
  let unpacked = 0;
  let listedAll = true;
  let at = 0;
  while (at < data.length) {
    while (at < data.length && data[at] === 0) at++; // padding between segments
    if (at >= data.length) break;
    const kind = compression(data, at);
    if (kind === undefined) bad(what, `unknown data at byte ${at} (neither cpio nor a known compression)`);
    segments.push(kind);
    if (segments.length > 64) bad(what, 'more than 64 archive segments');
    if (kind === 'cpio') {
      const w = walkCpio(data, at, what, names);
      unpacked += w.end - at;
      at = w.end;
      continue;
    }
    // A compressed segment runs to the end of the file (the kernel unpacks the rest the same way).
    if (kind === 'zstd') {
      const fast = zstdFast(data.subarray(at), what, names);
      if (fast !== undefined) {
        unpacked += fast;
        listedAll = false;
        break;
      }
    }
    const plain = decompress(kind, data.subarray(at), what);
    unpacked += plain.length;
    let p = 0;
    while (p < plain.length) {
      while (p < plain.length && plain[p] === 0) p++;
      if (p >= plain.length) break;
      p = walkCpio(plain, p, what, names).end;
    }
    break;
  }
  if (segments.length === 0) bad(what, 'is empty');
  const hasInit = names.includes('init');
  return { segments, files: names.length, listedAll, hasInit, unpackedBytes: unpacked };
}
