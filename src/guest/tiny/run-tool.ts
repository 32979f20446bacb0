import { spawn } from 'node:child_process';
import { guestErrors } from '../errors.ts';

/** What a finished host tool left behind. */
export type ToolResult = { code: number | null; stdout: string; stderr: string };

/**
 * Runs a host tool with an argument array (never a shell), collects its output and
 * always reaps it; an abort kills it. ENOENT becomes GUEST_TOOL_MISSING.
 */
export function runTool(cmd: string, args: readonly string[], opts: { cwd?: string; signal?: AbortSignal; stdin?: 'ignore' | NodeJS.ReadableStream } = {}): Promise<ToolResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      stdio: [opts.stdin === undefined || opts.stdin === 'ignore' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    });
    if (opts.stdin !== undefined && opts.stdin !== 'ignore' && child.stdin) opts.stdin.pipe(child.stdin);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') reject(guestErrors.make('GUEST_TOOL_MISSING', `host tool '${cmd}' is not installed`, { cause: e }));
      else reject(e);
    });
    child.on('close', (code) => resolvePromise({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}
