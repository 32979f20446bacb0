// Every state file bootmedic keeps (outcomes, the healing configuration, the last good
// configuration, restored boot files, ledger tiles) is replaced whole or not at all:
// written to a temporary file in the same folder, flushed, renamed over the old one,
// and the folder flushed so the rename itself survives a power cut (rename(2) is atomic
// within one file system; fsync(2) on the folder makes the new name durable).
import { closeSync, copyFileSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

const tempBeside = (path: string) => join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);

function fsyncPath(path: string, flags: string): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a folder's entries (a rename in it) to disk; a file system that refuses (EINVAL/EISDIR) is left as it is. */
function fsyncDir(dir: string): void {
  try {
    fsyncPath(dir, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw e;
  }
}

/** Puts a finished temporary file in place of `path`, or removes it when that fails. */
function commit(tmp: string, path: string, sync: boolean): void {
  try {
    if (sync) fsyncPath(tmp, 'r+');
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  if (sync) fsyncDir(dirname(path));
}

/** `sync: false` skips the flushes (still never torn, but may be lost in a power cut): for mirrors rebuilt from a synced source. */
export type AtomicWriteOptions = { mode?: number; sync?: boolean };

/**
 * Replaces `path` with `data` atomically: a reader (or a restart after a crash) sees the
 * old content or the new, never a torn mix.
 * @example
 * writeFileAtomic(join(vmDir, 'healing.json'), `${JSON.stringify(spec, null, 2)}\n`);
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempBeside(path);
  try {
    writeFileSync(tmp, data, { flag: 'wx', mode: options.mode ?? 0o644 });
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  commit(tmp, path, options.sync !== false);
}

/** Replaces `dest` with a copy of `src` atomically (a restored kernel is never half written). */
export function copyFileAtomic(src: string, dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = tempBeside(dest);
  try {
    copyFileSync(src, tmp);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  commit(tmp, dest, true);
}
