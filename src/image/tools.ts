import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageErrors } from './errors.ts';

/** The outcome of one external tool run. */
export type ToolResult = Readonly<{ status: number; stdout: string; stderr: string }>;

/**
 * Runs a tool with an argument array (never a shell), waits for it and returns its
 * output; a missing tool or a timeout is IMAGE_TOOL_FAILED. A non-zero exit is returned,
 * not thrown, because e2fsck and qemu-img check use exit codes as results.
 */
export function runTool(cmd: string, args: readonly string[], o: { timeoutMs?: number; input?: string | Buffer } = {}): ToolResult {
  const r = spawnSync(cmd, args, { timeout: o.timeoutMs ?? 120_000, killSignal: 'SIGKILL', maxBuffer: 256 * 1024 * 1024, ...(o.input === undefined ? {} : { input: typeof o.input === 'string' ? Buffer.from(o.input) : o.input }) });
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'is not installed' : code === 'ETIMEDOUT' ? `did not finish within ${(o.timeoutMs ?? 120_000) / 1000} s` : r.error.message;
    throw imageErrors.make('IMAGE_TOOL_FAILED', `${cmd} ${why}`, { cause: r.error });
  }
  return { status: r.status ?? 128, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

const LOCKED = /Failed to get "?\w+"? lock|Is another process using the image/i;
const IN_USE_FIX = 'The image is in use by a running VM: stop the VM (or repair a copy) and run again.';

/**
 * Refuses to write an image a running QEMU has open: QEMU holds OFD locks on raw and qcow2
 * files, and opening the image read-write with qemu-io (which takes the "write" lock, then
 * quits without writing) fails while another writer holds them.
 */
export function assertNotInUse(disk: string, format: 'raw' | 'qcow2'): void {
  const r = runTool('qemu-io', ['-f', format, '-c', 'quit', disk], { timeoutMs: 30_000 });
  if (r.status !== 0 && LOCKED.test(r.stderr)) throw imageErrors.make('IMAGE_REPAIR_FAILED', `${disk} is in use by a running VM; nothing was changed`, { fix: IN_USE_FIX });
}

/** Like runTool, but a non-zero exit is IMAGE_TOOL_FAILED with the tool's stderr. */
export function runToolOk(cmd: string, args: readonly string[], o: { timeoutMs?: number; input?: string | Buffer } = {}): ToolResult {
  const r = runTool(cmd, args, o);
  if (r.status !== 0) {
    const locked = LOCKED.test(r.stderr + r.stdout);
    throw imageErrors.make('IMAGE_TOOL_FAILED', `${cmd} ${args[0] ?? ''} failed (exit ${r.status}): ${lastLines(r.stderr || r.stdout)}`, locked ? { fix: IN_USE_FIX } : {});
  }
  return r;
}

/** The last few non-empty lines of a tool's output, for one-line messages. */
export function lastLines(text: string, n = 2): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(-n).join(' / ');
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
  const r = withOffset(rawPath, offset, (dev) => runTool('debugfs', ['-R', `cat ${file}`, dev], { timeoutMs: 30_000 }));
  if (/File not found by ext2_lookup/.test(r.stderr)) return undefined;
  if (r.status !== 0 || /Bad magic number|Could not allocate|while trying to open/i.test(r.stderr)) {
    throw imageErrors.make('IMAGE_TOOL_FAILED', `debugfs cannot read ${file}: ${lastLines(r.stderr)}`);
  }
  return r.stdout;
}

/** True when a file exists in the ext4 filesystem (debugfs `stat`). */
export function debugfsExists(rawPath: string, offset: number, file: string): boolean {
  const r = withOffset(rawPath, offset, (dev) => runTool('debugfs', ['-R', `stat ${file}`, dev], { timeoutMs: 30_000 }));
  return r.status === 0 && !/File not found|while trying to open/i.test(r.stderr) && /Inode:/.test(r.stdout);
}
