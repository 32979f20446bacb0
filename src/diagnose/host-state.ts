import { readFileSync, statfsSync } from 'node:fs';
import { availableParallelism, freemem, loadavg, totalmem } from 'node:os';
import type { HostState } from './evidence.ts';

/** Parses /proc/meminfo text into MiB figures; MemAvailable is the kernel's own estimate (Linux ≥ 3.14). */
export function parseMeminfo(text: string): { memAvailableMiB: number; memTotalMiB: number } | undefined {
  const kib = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return m === null ? undefined : Number(m[1]);
  };
  const total = kib('MemTotal');
  const avail = kib('MemAvailable') ?? kib('MemFree');
  if (total === undefined || avail === undefined) return undefined;
  return { memAvailableMiB: Math.round(avail / 1024), memTotalMiB: Math.round(total / 1024) };
}

/**
 * Reads the host's free memory (/proc/meminfo, else os.freemem), 1-minute load and CPU
 * count, and the free space of the file system holding `dataDir` (statfs).
 */
export function readHostState(dataDir: string, opts: { meminfoPath?: string } = {}): HostState {
  let mem: ReturnType<typeof parseMeminfo>;
  try {
    mem = parseMeminfo(readFileSync(opts.meminfoPath ?? '/proc/meminfo', 'utf8'));
  } catch {
    mem = undefined;
  }
  mem ??= { memAvailableMiB: Math.round(freemem() / 2 ** 20), memTotalMiB: Math.round(totalmem() / 2 ** 20) };
  const fs = statfsSync(dataDir);
  return {
    ...mem,
    load1: loadavg()[0] ?? 0,
    cpus: availableParallelism(),
    diskFreeMiB: Math.round((fs.bavail * fs.bsize) / 2 ** 20),
    diskTotalMiB: Math.max(1, Math.round((fs.blocks * fs.bsize) / 2 ** 20)),
  };
}
