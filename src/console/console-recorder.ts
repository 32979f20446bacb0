import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { consoleErrors } from './errors.ts';

/** Raw console file with rotation: keeps the full raw bytes of a boot, bounded. */
export type ConsoleRecorder = { write(chunk: Uint8Array): void; close(): Promise<void> };

/**
 * Records raw console bytes to `path`, bounded by `maxBytes` in total: when `path`
 * reaches half of it, it becomes `path.1` (replacing the older half) and a new `path`
 * starts, so the newest bytes (where a failure shows) are always kept. Writes are
 * synchronous and in order; a write error stops recording and is thrown by `close()`,
 * so a full disk never takes down the boot being watched.
 */
export function createConsoleRecorder(path: string, maxBytes: number): ConsoleRecorder {
  if (!Number.isInteger(maxBytes) || maxBytes < 2) throw consoleErrors.make('CONSOLE_BAD_OPTION', `console recorder ${path}: maxBytes ${maxBytes} must be an integer of at least 2`);
  const half = Math.floor(maxBytes / 2);
  let fd: number;
  try {
    fd = openSync(path, 'w', 0o600);
  } catch (cause) {
    throw consoleErrors.make('CONSOLE_RECORD_OPEN', `console file ${path}: ${(cause as Error).message}`, { cause });
  }
  let size = 0;
  let failure: unknown;
  let closed = false;

  function rotate(): void {
    closeSync(fd);
    renameSync(path, `${path}.1`);
    fd = openSync(path, 'w', 0o600);
    size = 0;
  }

  function writeAll(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  }

  return {
    write(chunk) {
      if (closed || failure !== undefined) return;
      try {
        let off = 0;
        while (off < chunk.length) {
          if (size >= half) rotate();
          const n = Math.min(half - size, chunk.length - off);
          writeAll(chunk.subarray(off, off + n));
          size += n;
          off += n;
        }
      } catch (cause) {
        failure = cause;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        closeSync(fd);
      } catch (cause) {
        failure ??= cause;
      }
      if (failure !== undefined) throw consoleErrors.make('CONSOLE_RECORD_WRITE', `console file ${path}: ${(failure as Error).message}`, { cause: failure });
    },
  };
}
