// Image helpers built on the host-tool runner (src/core): the in-use check, e2fsprogs
// device names with an offset, and reading files with debugfs.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastLines, runToolSync, type ToolResult } from '../core/index.ts';
import { imageErrors } from './errors.ts';

const LOCKED = /Failed to get "?\w+"? lock|Is another process using the image/i;
const IN_USE_FIX = 'The image is in use by a running VM: stop the VM (or repair a copy) and run again.';

/**
 * Refuses to write an image a running QEMU has open: QEMU holds OFD locks on raw and qcow2
 * files, and opening the image read-write with qemu-io (which takes the "write" lock, then
 * quits without writing) fails while another writer holds them.
 */
export function assertNotInUse(disk: string, format: 'raw' | 'qcow2'): void {
  const r = runToolSync('qemu-io', ['-f', format, '-c', 'quit', disk], { check: false, timeoutMs: 30_000 });
  if (r.code !== 0 && LOCKED.test(r.stderr)) throw imageErrors.make('IMAGE_REPAIR_FAILED', `${disk} is in use by a running VM; nothing was changed`, { fix: IN_USE_FIX });
}

/**
 * An e2fsprogs device name for a filesystem `offset` bytes into a raw image: e2fsprogs
 * splits the name at '?' into io options (lib/ext2fs/openfs.c, unix_io "offset=").
 * A path that already holds '?' is reached through a symlink without one.
 */
export function withOffset(rawPath: string, offset: number, run: (device: string) => ToolResult): ToolResult {
  if (!rawPath.includes('?')) return run(`${rawPath}?offset=${offset}`);
  const dir = mkdtempSync(join(tmpdir(), 'bootmedic-link-'));
  try {
    const link = join(dir, 'disk');
    symlinkSync(rawPath, link);
    return run(`${link}?offset=${offset}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads one file out of an ext4 filesystem in a raw image with `debugfs -R 'cat ...'`; undefined when absent. */
export function debugfsCat(rawPath: string, offset: number, file: string): string | undefined {
  const r = withOffset(rawPath, offset, (dev) => runToolSync('debugfs', ['-R', `cat ${file}`, dev], { check: false, timeoutMs: 30_000 }));
  if (/File not found by ext2_lookup/.test(r.stderr)) return undefined;
  if (r.code !== 0 || /Bad magic number|Could not allocate|while trying to open/i.test(r.stderr)) {
    throw imageErrors.make('IMAGE_TOOL_FAILED', `debugfs cannot read ${file}: ${lastLines(r.stderr)}`);
  }
  return r.stdout;
}

/** True when a file exists in the ext4 filesystem (debugfs `stat`). */
export function debugfsExists(rawPath: string, offset: number, file: string): boolean {
  const r = withOffset(rawPath, offset, (dev) => runToolSync('debugfs', ['-R', `stat ${file}`, dev], { check: false, timeoutMs: 30_000 }));
  return r.code === 0 && !/File not found|while trying to open/i.test(r.stderr) && /Inode:/.test(r.stdout);
}
