// Follows a domain's serial log file as virtlogd writes it: from a given offset, through
// virtlogd's rotation (at 2 MiB it renames the file to <name>.0 and starts a new one) and
// through truncation (a log without append='on' starts empty at each domain start).
// Changes are noticed through inotify on the folder (fs.watch), with a slow poll beside it
// for filesystems without inotify. The path comes from the domain's XML, so it is opened
// through the guarded open: a FIFO or a folder there is an error, never a hang.
import { accessSync, closeSync, constants, fstatSync, readSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { checkPath, isBootmedicError, openGuarded, type BootmedicError } from '../core/index.ts';
import { libvirtErrors } from './errors.ts';

/** Bytes read per read call: a rotation's worth arrives in a few calls. */
const CHUNK = 64 << 10;

export type LogTailOptions = {
  /** Byte offset to start at (the file's size when the boot started); past the end means the file was rotated or truncated since: start at 0. */
  from: number;
  onChunk: (chunk: Uint8Array) => void;
  /** The file cannot be read (LIBVIRT_LOG_UNREADABLE); the tailer has stopped. */
  onError: (e: BootmedicError) => void;
  /** Poll period beside inotify (default 500 ms). */
  pollMs?: number;
  /** The domain, for messages. */
  domain?: string;
};

/** A running tail: where it is, a read up to the file's current end, and its end. */
export type LogTailer = Readonly<{
  /** Offset in the current file of the next byte to read. */
  offset: () => number;
  /** Reads everything written so far (call before ending a boot, so its last lines count). */
  flush: () => void;
  close: () => void;
}>;

type Open = { fd: number; ino: number; dev: number };

/** The error for a log that exists but cannot be read. */
export function logUnreadable(path: string, domain: string | undefined, cause: unknown): BootmedicError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return libvirtErrors.make('LIBVIRT_LOG_UNREADABLE', `serial log ${path}${domain !== undefined ? ` of domain ${domain}` : ''} cannot be read: ${why}`, {
    cause,
    fix: `Run bootmedic as root (virtlogd writes the log as root, mode 0600), or make ${path} a regular file bootmedic can read.`,
    details: { path, ...(domain !== undefined ? { domain } : {}) },
  });
}

/**
 * Why bootmedic cannot read a domain's serial log (LIBVIRT_LOG_UNREADABLE), or undefined
 * when it can, or when the log does not exist yet (virtlogd creates it at the domain's start).
 */
export function logProblem(path: string, domain?: string): BootmedicError | undefined {
  try {
    checkPath(path, { what: `serial log${domain !== undefined ? ` of domain ${domain}` : ''}`, missing: (m) => libvirtErrors.make('LIBVIRT_LOG_UNREADABLE', m, { details: { missing: true } }) });
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (e) {
    if (isBootmedicError(e, 'LIBVIRT_LOG_UNREADABLE') && e.details?.['missing'] === true) return undefined;
    return logUnreadable(path, domain, e);
  }
}

/**
 * Tails `path` from `o.from`, handing each new run of bytes to `o.onChunk` in file order.
 * A file that does not exist yet is waited for (the domain has never started).
 * @example
 * const t = tailLog('/var/log/libvirt/qemu/web-serial.log', { from: size, onChunk, onError });
 */
export function tailLog(path: string, o: LogTailOptions): LogTailer {
  const guard = { what: `serial log${o.domain !== undefined ? ` of domain ${o.domain}` : ''}`, missing: (m: string) => libvirtErrors.make('LIBVIRT_LOG_UNREADABLE', m, { details: { path, missing: true } }) };
  let cur: Open | undefined;
  let offset = Math.max(0, o.from);
  let closed = false;
  let failed = false;
  const buf = Buffer.allocUnsafe(CHUNK);

  const fail = (e: unknown) => {
    if (closed || failed) return;
    failed = true;
    stop();
    o.onError(isBootmedicError(e, 'LIBVIRT_LOG_UNREADABLE') ? e : logUnreadable(path, o.domain, e));
  };

  /** Reads `f` from `offset` to its end. */
  const drain = (f: Open) => {
    for (;;) {
      const n = readSync(f.fd, buf, 0, CHUNK, offset);
      if (n <= 0) return;
      offset += n;
      o.onChunk(new Uint8Array(buf.subarray(0, n)));
    }
  };

  const openCurrent = (): Open | undefined => {
    try {
      const { fd, stats } = openGuarded(path, guard);
      return { fd, ino: stats.ino, dev: stats.dev };
    } catch (e) {
      // Not there (yet, or between virtlogd's rename and its new file): wait for it.
      if (isBootmedicError(e, 'LIBVIRT_LOG_UNREADABLE') && e.details?.['missing'] === true) return undefined;
      throw e;
    }
  };

  const read = () => {
    if (closed || failed) return;
    try {
      if (cur === undefined) {
        cur = openCurrent();
        if (cur === undefined) return;
        // A file smaller than where we were told to start is a new file: read it all.
        if (fstatSync(cur.fd).size < offset) offset = 0;
      }
      // Truncated in place: start again from its beginning.
      if (fstatSync(cur.fd).size < offset) offset = 0;
      drain(cur);
      // Rotated: the path names another file now. Finish the old one, then follow the new.
      let now;
      try {
        now = checkPath(path, guard);
      } catch (e) {
        if (isBootmedicError(e, 'LIBVIRT_LOG_UNREADABLE')) return; // renamed away, the new file is not there yet
        throw e;
      }
      if (now.ino !== cur.ino || now.dev !== cur.dev) {
        drain(cur);
        closeSync(cur.fd);
        cur = undefined;
        offset = 0;
        read();
      }
    } catch (e) {
      fail(e);
    }
  };

  let scheduled = false;
  const soon = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      read();
    });
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_ev, name) => {
      if (name === null || name === basename(path) || name.startsWith(`${basename(path)}.`)) soon();
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined; // no inotify here: the poll alone follows the file
  }
  const poll = setInterval(read, o.pollMs ?? 500);
  poll.unref();

  function stop() {
    clearInterval(poll);
    watcher?.close();
    if (cur !== undefined) {
      closeSync(cur.fd);
      cur = undefined;
    }
  }

  read();
  return Object.freeze({
    offset: () => offset,
    flush: read,
    close: () => {
      if (closed) return;
      read();
      closed = true;
      stop();
    },
  });
}
