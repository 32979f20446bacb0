// The external tools the image injectors run (mtools, debugfs, qemu-img), each with an
// argument array, a timeout and SIGKILL on expiry, so no child outlives an injection.
import { spawnSync } from 'node:child_process';
import { faultErrors } from './errors.ts';

/** One tool run's exit status and output. */
export type ToolRun = Readonly<{ status: number; stdout: string; stderr: string }>;

/** The last non-empty lines of a tool's output, joined for a one-line message. */
export function lastLines(text: string, n = 2): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(-n).join(' / ');
}

/** Runs a tool; a missing tool or a timeout is FAULT_TOOL_FAILED, a non-zero exit is returned. */
export function run(cmd: string, args: readonly string[], o: { input?: string; timeoutMs?: number } = {}): ToolRun {
  const r = spawnSync(cmd, args, { timeout: o.timeoutMs ?? 120_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, ...(o.input === undefined ? {} : { input: o.input }) });
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    throw faultErrors.make('FAULT_TOOL_FAILED', `${cmd} ${code === 'ENOENT' ? 'is not installed' : code === 'ETIMEDOUT' ? 'timed out' : r.error.message}`);
  }
  return { status: r.status ?? 128, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

/** Like run, but a non-zero exit is FAULT_TOOL_FAILED with the tool's last words. */
export function runOk(cmd: string, args: readonly string[], o: { input?: string; timeoutMs?: number } = {}): ToolRun {
  const r = run(cmd, args, o);
  if (r.status !== 0) throw faultErrors.make('FAULT_TOOL_FAILED', `${cmd} ${args[0] ?? ''} failed (exit ${r.status}): ${lastLines(r.stderr || r.stdout)}`);
  return r;
}

/** The e2fsprogs device name of a filesystem `offset` bytes into a raw file (unix_io "offset=" option). */
export function e2Device(rawPath: string, offset: number): string {
  if (rawPath.includes('?')) throw faultErrors.make('FAULT_TOOL_FAILED', `${rawPath}: e2fsprogs cannot open a path holding '?'`);
  return `${rawPath}?offset=${offset}`;
}
