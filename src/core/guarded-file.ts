// The one door for opening a path that came from a user or from data (a VM file, the command
// line, an image header): it checks what the path is before anything can block on it, so a
// FIFO, a device, a folder or a symlink loop is one clear error instead of a hang or a crash.
import { closeSync, constants, copyFileSync, createReadStream, fstatSync, openSync, readSync, statSync, type ReadStream, type Stats } from 'node:fs';
import { copyFileAtomic } from './atomic-write.ts';
import { fileErrors, type BootmedicError } from './errors.ts';

/**
 * What a path must be: `file` a regular file; `disk` a regular file or a block device (a disk
 * image may be a whole device); `directory` a folder.
 */
export type PathKind = 'file' | 'disk' | 'directory';

/** How a path is checked: what it is called in messages, what it must be, how large it may be. */
export type GuardOptions = Readonly<{
  /** What the path is, for the message: 'VM file', 'kernel', 'disk image', 'console log'. */
  what: string;
  /** Defaults to `file`. */
  kind?: PathKind;
  /** Refuse a regular file larger than this many bytes (FILE_TOO_LARGE). */
  maxBytes?: number;
  /** Builds the error for a path that does not exist, so a part can keep its own code; FILE_NOT_FOUND otherwise. */
  missing?: (message: string) => BootmedicError;
}>;

function typeName(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isDirectory()) return 'a directory';
  if (st.isFile()) return 'a regular file';
  return 'not a regular file';
}

const WANT: Readonly<Record<PathKind, string>> = { file: 'a regular file', disk: 'a regular file or a block device', directory: 'a directory' };

function fits(st: Stats, kind: PathKind): boolean {
  if (kind === 'directory') return st.isDirectory();
  return st.isFile() || (kind === 'disk' && st.isBlockDevice());
}

/** Turns an errno from stat or open into the catalogued error that names the path. */
function fromErrno(path: string, opts: GuardOptions, cause: unknown): BootmedicError {
  const code = (cause as NodeJS.ErrnoException).code;
  const at = `${opts.what} ${JSON.stringify(path).slice(1, -1)}`;
  // Node refuses a name with a NUL byte before asking the kernel; no file can have one.
  if (path.includes('\0')) return opts.missing?.(`${at}: no such file (the name holds a NUL byte)`) ?? fileErrors.make('FILE_NOT_FOUND', `${at}: no such file (the name holds a NUL byte)`, { cause });
  if (code === 'ENOENT' || code === 'ENOTDIR') return opts.missing?.(`${at}: no such file`) ?? fileErrors.make('FILE_NOT_FOUND', `${at}: no such file`, { cause });
  if (code === 'ELOOP') return fileErrors.make('FILE_WRONG_TYPE', `${at}: a symlink loop, not ${WANT[opts.kind ?? 'file']}`, { cause });
  if (code === 'EISDIR') return fileErrors.make('FILE_WRONG_TYPE', `${at}: a directory, not ${WANT[opts.kind ?? 'file']}`, { cause });
  return fileErrors.make('FILE_NO_ACCESS', `${at}: cannot be read (${code ?? (cause as Error).message})`, { cause });
}

function checkStats(path: string, st: Stats, opts: GuardOptions): void {
  const kind = opts.kind ?? 'file';
  if (!fits(st, kind)) throw fileErrors.make('FILE_WRONG_TYPE', `${opts.what} ${path}: ${typeName(st)}, not ${WANT[kind]}`);
  if (opts.maxBytes !== undefined && st.isFile() && st.size > opts.maxBytes) {
    throw fileErrors.make('FILE_TOO_LARGE', `${opts.what} ${path}: ${st.size} bytes, more than the limit of ${opts.maxBytes}`);
  }
}

/**
 * Checks that `path` is what `opts.kind` asks for without opening it (stat follows symlinks).
 * Throws FILE_NOT_FOUND (or `opts.missing`), FILE_WRONG_TYPE, FILE_TOO_LARGE or FILE_NO_ACCESS.
 *
 * @example
 * checkPath(spec.kernel, { what: 'kernel' }); // before QEMU is given the path
 */
export function checkPath(path: string, opts: GuardOptions): Stats {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (cause) {
    throw fromErrno(path, opts, cause);
  }
  checkStats(path, st, opts);
  return st;
}

/**
 * Opens a file or disk read-only (or read-write) after checking it, with O_NONBLOCK so that a
 * FIFO swapped in after the check cannot block the open; the open file is checked again.
 * The caller closes the descriptor.
 */
export function openGuarded(path: string, opts: GuardOptions & { kind?: 'file' | 'disk'; write?: boolean }): { fd: number; stats: Stats } {
  checkPath(path, opts);
  let fd: number;
  try {
    fd = openSync(path, (opts.write === true ? constants.O_RDWR : constants.O_RDONLY) | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (cause) {
    throw fromErrno(path, opts, cause);
  }
  try {
    const stats = fstatSync(fd);
    checkStats(path, stats, opts);
    return { fd, stats };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Reads a whole file after checking it; `maxBytes` is required so that nothing reads an unbounded file into memory. */
export function readGuarded(path: string, opts: GuardOptions & { kind?: 'file' | 'disk'; maxBytes: number }): Buffer {
  const { fd, stats } = openGuarded(path, opts);
  try {
    // The size was checked; read at most one byte past it to see a file that grew meanwhile.
    const buf = Buffer.alloc(Math.min(stats.size, opts.maxBytes) + 1);
    let n = 0;
    for (;;) {
      let r: number;
      try {
        r = readSync(fd, buf, n, buf.length - n, null);
      } catch (cause) {
        throw fromErrno(path, opts, cause);
      }
      if (r === 0) break;
      n += r;
      if (n === buf.length) break;
    }
    if (n > opts.maxBytes) throw fileErrors.make('FILE_TOO_LARGE', `${opts.what} ${path}: more than the limit of ${opts.maxBytes} bytes`);
    return n === buf.length ? buf : buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** readGuarded as UTF-8 text. */
export function readGuardedText(path: string, opts: GuardOptions & { kind?: 'file'; maxBytes: number }): string {
  return readGuarded(path, opts).toString('utf8');
}

/** A read stream over a checked file, for files read in chunks (console logs, kernels to hash). */
export function streamGuarded(path: string, opts: GuardOptions & { kind?: 'file' | 'disk' }): ReadStream {
  const { fd } = openGuarded(path, opts);
  return createReadStream('', { fd, autoClose: true });
}

/** Copies a checked file (copyFileSync would block on a FIFO source); `dest` is replaced atomically (temp file, fsync, rename). */
export function copyGuarded(src: string, dest: string, opts: GuardOptions & { kind?: 'file' | 'disk' }): void {
  checkPath(src, opts);
  copyFileAtomic(src, dest);
}
