// A minimal writer for the "newc" cpio format the Linux kernel unpacks as an initramfs
// (see the kernel's Documentation/driver-api/early-userspace/buffer-format.rst): a
// 110-byte ASCII header of 13 eight-digit hex fields, the NUL-terminated name and the
// data, each padded to 4 bytes, ended by the "TRAILER!!!" entry.
import { gzipSync } from 'node:zlib';
import { assertNever } from '../../core/index.ts';

/** One entry of an initramfs: a directory, a regular file or a symlink. */
export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Uint8Array; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function header(ino: number, mode: number, nlink: number, size: number, nameSize: number, rdev: readonly [number, number]): string {
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  return '070701' + [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1], nameSize, 0].map(hex8).join('');
}

/** Serialises entries (in the given order) as an uncompressed newc archive; mtimes are 0 so output is reproducible. */
export function writeCpio(entries: readonly CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    offset += b.length;
  };
  const pushRecord = (ino: number, mode: number, nlink: number, name: string, data: Uint8Array, rdev: readonly [number, number] = [0, 0]) => {
    const nameBytes = Buffer.from(name + '\0', 'utf8');
    push(Buffer.from(header(ino, mode, nlink, data.length, nameBytes.length, rdev), 'ascii'));
    push(nameBytes);
    push(new Uint8Array(pad4(offset)));
    if (data.length > 0) {
      push(data);
      push(new Uint8Array(pad4(offset)));
    }
  };
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (name === '' || name.split('/').includes('..')) throw new Error(`cpio: bad entry path ${JSON.stringify(e.path)}`);
    switch (e.type) {
      case 'dir':
        pushRecord(ino++, S_IFDIR | (e.mode ?? 0o755), 2, name, new Uint8Array(0));
        break;
      case 'file':
        pushRecord(ino++, S_IFREG | (e.mode ?? 0o644), 1, name, e.data);
        break;
      case 'symlink':
        pushRecord(ino++, S_IFLNK | 0o777, 1, name, Buffer.from(e.target, 'utf8'));
        break;
      case 'chardev':
        pushRecord(ino++, S_IFCHR | (e.mode ?? 0o600), 1, name, new Uint8Array(0), [e.major, e.minor]);
        break;
      default:
        assertNever(e, 'cpio entry');
    }
  }
  pushRecord(0, 0, 1, 'TRAILER!!!', new Uint8Array(0));
  return Buffer.concat(parts);
}

/** The gzip-compressed archive, as the kernel's initramfs unpacker accepts it. */
export function writeCpioGz(entries: readonly CpioEntry[]): Uint8Array {
  return gzipSync(writeCpio(entries), { level: 9 });
}

/** Parses a newc archive back into entries (used by tests to prove the writer round-trips). */
export function readCpio(buf: Uint8Array): CpioEntry[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: CpioEntry[] = [];
  let off = 0;
  for (;;) {
    if (off + 110 > b.length) throw new Error('cpio: truncated header');
    const h = b.toString('ascii', off, off + 110);
    if (!h.startsWith('070701')) throw new Error(`cpio: bad magic at ${off}`);
    const field = (i: number) => parseInt(h.slice(6 + i * 8, 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const name = b.toString('utf8', off + 110, off + 110 + nameSize - 1);
    off += 110 + nameSize;
    off += pad4(off);
    const data = b.subarray(off, off + size);
    off += size;
    off += pad4(off);
    if (name === 'TRAILER!!!') return out;
    const kind = mode & 0o170000;
    if (kind === S_IFDIR) out.push({ type: 'dir', path: name, mode: mode & 0o7777 });
    else if (kind === S_IFLNK) out.push({ type: 'symlink', path: name, target: data.toString('utf8') });
    else if (kind === S_IFCHR) out.push({ type: 'chardev', path: name, major: field(9), minor: field(10), mode: mode & 0o7777 });
    else out.push({ type: 'file', path: name, data: new Uint8Array(data), mode: mode & 0o7777 });
  }
}
