import { closeSync, fstatSync, readSync } from 'node:fs';
import { openGuarded } from '../core/index.ts';
import { imageErrors } from './errors.ts';

/** Reads guest bytes from a disk image, whatever its container; never writes. */
export interface DiskReader {
  /** The container format of the top image. */
  readonly format: 'raw' | 'qcow2';
  /** The guest-visible size in bytes. */
  readonly size: number;
  /** Reads `length` guest bytes at `offset`; bytes past the end of the disk throw IMAGE_TRUNCATED. */
  read(offset: number, length: number): Buffer;
  /** Closes the files behind the reader (and its backing chain). */
  close(): void;
}

/**
 * Opens a disk image (or a backing file named by an image header) read-only through the
 * guarded open: a missing file is IMAGE_NOT_FOUND; a FIFO, a character device, a folder or a
 * symlink loop is FILE_WRONG_TYPE, never a hang or a crash. A block device is a disk.
 */
export function openReadOnly(path: string, what = 'disk image'): number {
  return openGuarded(path, { what, kind: 'disk', missing: (m) => imageErrors.make('IMAGE_NOT_FOUND', m) }).fd;
}

/** Opens a disk image for writing (a repair, an injected fault) through the guarded open. */
export function openForWrite(path: string, what = 'disk image'): number {
  return openGuarded(path, { what, kind: 'disk', write: true, missing: (m) => imageErrors.make('IMAGE_NOT_FOUND', m) }).fd;
}

/** Reads exactly `length` bytes of a host file at `offset`, zero-filling what lies past its end. */
export function preadZeroFill(fd: number, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  return buf;
}

/** A reader over a raw image file: guest byte N is file byte N. */
export function openRawReader(path: string): DiskReader {
  const fd = openReadOnly(path);
  const size = fstatSync(fd).size;
  return {
    format: 'raw',
    size,
    read(offset, length) {
      checkRange(path, size, offset, length);
      return preadZeroFill(fd, offset, length);
    },
    close() {
      closeSync(fd);
    },
  };
}

/** Throws IMAGE_TRUNCATED unless [offset, offset+length) lies inside a disk of `size` bytes. */
export function checkRange(what: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw imageErrors.make('IMAGE_TRUNCATED', `${what}: read of ${length} bytes at ${offset} is outside the ${size}-byte disk`);
  }
}

/** A reader over a byte range of another reader (a partition). */
export function sliceReader(base: DiskReader, start: number, size: number, what = 'partition'): DiskReader {
  checkRange(what, base.size, start, size);
  return {
    format: base.format,
    size,
    read(offset, length) {
      checkRange(what, size, offset, length);
      return base.read(start + offset, length);
    },
    close() {},
  };
}
