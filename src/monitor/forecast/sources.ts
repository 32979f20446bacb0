// Small readers of the "free resource" series the forecaster watches on the host: available
// memory, free space of a filesystem, and the storage behind a disk image. (General host
// collectors, PSI, vmstat and the like, belong to monitor/collect/, not here.)
import { readFileSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { monitorErrors } from '../errors.ts';

/** MemAvailable of a /proc/meminfo text, in bytes (the kernel's estimate of memory usable without swapping). */
export function parseMemAvailable(meminfo: string): number {
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(meminfo);
  if (m === null) throw monitorErrors.make('MONITOR_SOURCE_UNREADABLE', '/proc/meminfo: no "MemAvailable: <n> kB" line');
  return Number(m[1]) * 1024;
}

/** The host's available memory in bytes, from /proc/meminfo (or the file given). */
export function readHostMemAvailable(path = '/proc/meminfo'): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw monitorErrors.make('MONITOR_SOURCE_UNREADABLE', `${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseMemAvailable(text);
}

/** Bytes an unprivileged writer can still put on the filesystem holding `path` (statfs f_bavail × f_bsize). */
export function readFreeBytes(path: string): number {
  try {
    const s = statfsSync(path, { bigint: true });
    return Number(s.bavail * s.bsize);
  } catch (e) {
    throw monitorErrors.make('MONITOR_SOURCE_UNREADABLE', `free space of ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** The storage behind a disk image: free bytes of the filesystem holding it, and the bytes the image occupies there. */
export type ImageStorage = Readonly<{ freeBytes: number; imageAllocatedBytes: number; imageSizeBytes: number }>;

/**
 * Reads the storage of a disk image (a qcow2 grows into its filesystem as the guest
 * writes). Forecast `freeBytes` with limit 0; `imageAllocatedBytes` shows the image's share.
 */
export function readImageStorage(image: string): ImageStorage {
  let st;
  try {
    st = statSync(image);
  } catch (e) {
    throw monitorErrors.make('MONITOR_SOURCE_UNREADABLE', `disk image ${image}: ${(e as Error).message}`, { cause: e });
  }
  // st.blocks counts 512-byte units whatever the filesystem's block size (stat(2)).
  return Object.freeze({ freeBytes: readFreeBytes(dirname(image)), imageAllocatedBytes: st.blocks * 512, imageSizeBytes: st.size });
}
