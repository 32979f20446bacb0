// The one way bootmedic runs a host program (qemu-img, debugfs, mtools, apt-get,
// debootstrap, ...): an argument array, never a shell string; output captured within a
// bound; typed errors (tool missing, non-zero exit, timeout, abort, too much output); and
// the child always reaped. The async form runs the tool in its own process group, so an
// abort or a timeout also stops what the tool started itself (debootstrap runs dpkg,
// chroot runs update-initramfs).
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { toolErrors } from './errors.ts';
import { setprivExecFailed, withParentDeathSignal } from './parent-death.ts';
import { assertNever } from '../errors.ts';

/** How one tool run ended: its exit code (128 + signal number when a signal ended it) and output. */
export type ToolResult = Readonly<{ code: number; stdout: string; stderr: string }>;

/** Options of both forms. */
export type ToolOptions = {
  cwd?: string;
  /** The tool's whole environment; default ours. */
  env?: Readonly<Record<string, string>>;
  /** Bytes written to the tool's stdin, which is then closed (default: stdin is /dev/null). */
  input?: string | Uint8Array;
  /** Kill the tool (its process group in the async form) after this many ms: TOOL_TIMEOUT. */
  timeoutMs?: number;
  /** Most stdout bytes kept (default 64 MiB); beyond it the tool is stopped, TOOL_OUTPUT_LIMIT. */
  maxOutputBytes?: number;
  /** false: a non-zero exit is returned, not thrown (e2fsck, `qemu-img check` report by exit code). */
  check?: boolean;
  /** What the run is for, in messages ("overlay over /x.qcow2"); default the tool and its first arguments. */
  what?: string;
};

/** Options of the async form. */
export type AsyncToolOptions = ToolOptions & {
  /** Stops the tool and its process group: TOOL_ABORTED. */
  signal?: AbortSignal;
  /** Each complete stdout and stderr line as it arrives (debootstrap's progress). */
  onLine?: (line: string) => void;
  /** 'tail': keep the last maxOutputBytes of stdout instead of stopping the tool (long build logs). */
  overflow?: 'fail' | 'tail';
  /** Between SIGTERM and SIGKILL when stopping the group (default 5 s). */
  graceMs?: number;
  /** Write stdout to this file (created or truncated) instead of capturing it: a large stream for a second tool. */
  stdoutTo?: string;
  /**
   * The kernel kills the tool when bootmedic dies, however it dies (`setpriv --pdeathsig
   * KILL`): for long-lived tools (virsh event streams) that our exit hook would miss after a
   * SIGKILL of bootmedic. Only the tool itself: what it starts is not covered.
   */
  dieWithParent?: boolean;
};

const MAX_OUTPUT = 64 << 20;
/** stderr is kept as a tail: the end of it explains a failure. */
const STDERR_TAIL = 64 << 10;
const SYNC_TIMEOUT = 120_000;

const PACKAGES = (JSON.parse(readFileSync(new URL('./packages.json', import.meta.url), 'utf8')) as { packages: Record<string, string> }).packages;

/** The Debian package that provides `cmd`, when bootmedic knows it. */
export function packageOf(cmd: string): string | undefined {
  return PACKAGES[cmd.slice(cmd.lastIndexOf('/') + 1)];
}

/** The last `n` non-empty lines of a tool's output, joined for a one-line message. */
export function lastLines(text: string, n = 2): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(-n).join(' / ');
}

const label = (cmd: string, args: readonly string[], what?: string) =>
  what !== undefined ? `${cmd} (${what})` : `${cmd} ${args.slice(0, 3).join(' ')}${args.length > 3 ? ' …' : ''}`.trimEnd();

function missing(cmd: string, cause: unknown) {
  const pkg = packageOf(cmd);
  const fix = pkg !== undefined ? `Install the Debian package ${pkg} (apt-get install ${pkg}), or run scripts/setup.sh.` : `Install ${cmd} (it must be on PATH), or run scripts/setup.sh.`;
  return toolErrors.make('TOOL_MISSING', `host tool '${cmd}' is not installed${pkg !== undefined ? ` (Debian package ${pkg})` : ''}`, { fix, cause, details: { tool: cmd, ...(pkg !== undefined ? { package: pkg } : {}) } });
}

/** A finished run, or TOOL_FAILED when it must succeed and did not. */
function settle(cmd: string, args: readonly string[], o: ToolOptions, r: ToolResult, signal: string | null) {
  if (o.check === false || r.code === 0) return r;
  const tail = lastLines(r.stderr, 6) || lastLines(r.stdout, 6);
  return toolErrors.make('TOOL_FAILED', `${label(cmd, args, o.what)} exited with ${signal ?? r.code}${tail ? `: ${tail.slice(-2000)}` : ''}`, {
    details: { tool: cmd, args: [...args], code: r.code, signal, stderrTail: r.stderr.slice(-4000) },
  });
}

const codeOf = (code: number | null, signal: NodeJS.Signals | null) => code ?? 128 + (signal !== null ? (constants.signals[signal] ?? 0) : 0);

/**
 * Runs a host tool and waits for it, blocking: for callers that are synchronous (the image
 * inspectors and repairs). A timeout (default 120 s) kills the tool with SIGKILL; the tools
 * run this way (qemu-img, qemu-io, debugfs, e2fsck, mtools) start no children of their own.
 * @example
 * runToolSync('qemu-img', ['snapshot', '-c', 'before', disk], { timeoutMs: 300_000 })
 */
export function runToolSync(cmd: string, args: readonly string[], o: ToolOptions = {}): ToolResult {
  const timeoutMs = o.timeoutMs ?? SYNC_TIMEOUT;
  const r: SpawnSyncReturns<Buffer> = spawnSync(cmd, args, {
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: o.maxOutputBytes ?? MAX_OUTPUT,
    stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
    ...(o.env !== undefined ? { env: { ...o.env } } : {}),
    ...(o.input !== undefined ? { input: o.input } : {}),
  });
  if (r.error !== undefined) {
    const errno = (r.error as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT') throw missing(cmd, r.error);
    if (errno === 'ETIMEDOUT') throw toolErrors.make('TOOL_TIMEOUT', `${label(cmd, args, o.what)} did not finish within ${timeoutMs / 1000} s and was killed`, { details: { tool: cmd, args: [...args] } });
    if (errno === 'ENOBUFS') throw toolErrors.make('TOOL_OUTPUT_LIMIT', `${label(cmd, args, o.what)} wrote more than ${o.maxOutputBytes ?? MAX_OUTPUT} bytes and was stopped`, { details: { tool: cmd, args: [...args] } });
    throw toolErrors.make('TOOL_FAILED', `${label(cmd, args, o.what)} could not run: ${r.error.message}`, { cause: r.error, details: { tool: cmd, args: [...args] } });
  }
  const result = { code: codeOf(r.status, r.signal), stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8').slice(-STDERR_TAIL) };
  const out = settle(cmd, args, o, result, r.signal);
  if (out instanceof Error) throw out;
  return out;
}

/**
 * Runs a host tool for the start of its output only: the first `maxBytes` of stdout as raw
 * bytes. A tool that writes more is stopped there (SIGKILL), which is the point of a peek
 * (the head of a large decompression); a non-zero exit before that is TOOL_FAILED, and a
 * missing tool or a timeout are TOOL_MISSING and TOOL_TIMEOUT as in runToolSync.
 * @example
 * const head = peekToolSync('zstd', ['-dcq'], { input: packed, maxBytes: 8 << 20 });
 */
export function peekToolSync(cmd: string, args: readonly string[], o: Omit<ToolOptions, 'maxOutputBytes' | 'check'> & { maxBytes: number }): Buffer {
  const timeoutMs = o.timeoutMs ?? SYNC_TIMEOUT;
  const r: SpawnSyncReturns<Buffer> = spawnSync(cmd, args, {
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: o.maxBytes,
    stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
    ...(o.env !== undefined ? { env: { ...o.env } } : {}),
    ...(o.input !== undefined ? { input: o.input } : {}),
  });
  const errno = (r.error as NodeJS.ErrnoException | undefined)?.code;
  // ENOBUFS: the tool wrote past maxBytes and was stopped; what it wrote so far is the peek.
  if (errno === 'ENOBUFS') return r.stdout.subarray(0, o.maxBytes);
  if (errno === 'ENOENT') throw missing(cmd, r.error);
  if (errno === 'ETIMEDOUT') throw toolErrors.make('TOOL_TIMEOUT', `${label(cmd, args, o.what)} did not finish within ${timeoutMs / 1000} s and was killed`, { details: { tool: cmd, args: [...args] } });
  if (r.error !== undefined) throw toolErrors.make('TOOL_FAILED', `${label(cmd, args, o.what)} could not run: ${r.error.message}`, { cause: r.error, details: { tool: cmd, args: [...args] } });
  const out = settle(cmd, args, o, { code: codeOf(r.status, r.signal), stdout: '', stderr: r.stderr.toString('utf8').slice(-STDERR_TAIL) }, r.signal);
  if (out instanceof Error) throw out;
  return r.stdout;
}

// Process groups still running; killed if we exit first (a second Ctrl-C calls process.exit).
const live = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // The group is gone already.
  }
}

/** A bounded capture of one output stream, with optional line callbacks. */
function capture(limit: number, overflow: 'fail' | 'tail', onLine: ((l: string) => void) | undefined, onOverflow: () => void) {
  const chunks: Buffer[] = [];
  let size = 0;
  const decoder = new StringDecoder('utf8');
  let partial = '';
  return {
    push(b: Buffer) {
      chunks.push(b);
      size += b.length;
      while (size > limit && chunks.length > 0) {
        if (overflow === 'fail') {
          onOverflow();
          break;
        }
        const first = chunks[0]!;
        const drop = Math.min(first.length, size - limit);
        if (drop === first.length) chunks.shift();
        else chunks[0] = first.subarray(drop);
        size -= drop;
      }
      if (onLine !== undefined) {
        const lines = (partial + decoder.write(b)).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) onLine(l);
      }
    },
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

/**
 * Runs a host tool in its own process group and resolves with its output; a non-zero exit
 * is TOOL_FAILED unless `check: false`. An abort or a timeout sends SIGTERM to the group,
 * then SIGKILL after `graceMs`, and settles only once the tool is reaped.
 * @example
 * await runTool('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', base, overlay], { signal, what: `overlay over ${base}` })
 */
export function runTool(cmd: string, args: readonly string[], o: AsyncToolOptions = {}): Promise<ToolResult> {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const pid of live) killGroup(pid, 'SIGKILL');
    });
  }
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) return reject(toolErrors.make('TOOL_ABORTED', `${label(cmd, args, o.what)}: not started, the operation was aborted`));
    const outFd = o.stdoutTo !== undefined ? openSync(o.stdoutTo, 'w') : undefined;
    const run = o.dieWithParent === true ? withParentDeathSignal(cmd, args) : { cmd, args, guarded: false };
    let child;
    try {
      child = spawn(run.cmd, run.args, {
        stdio: [o.input === undefined ? 'ignore' : 'pipe', outFd ?? 'pipe', 'pipe'],
        detached: true,
        ...(o.cwd !== undefined ? { cwd: o.cwd } : {}),
        ...(o.env !== undefined ? { env: { ...o.env } } : {}),
      });
    } finally {
      // The child holds its own copy of the descriptor.
      if (outFd !== undefined) closeSync(outFd);
    }
    const pid = child.pid;
    if (pid !== undefined) live.add(pid);
    let stopped: 'aborted' | 'timeout' | 'output' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: 'aborted' | 'timeout' | 'output') => {
      if (stopped !== undefined || pid === undefined) return;
      stopped = why;
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), o.graceMs ?? 5000);
    };
    const limit = o.maxOutputBytes ?? MAX_OUTPUT;
    const out = capture(limit, o.overflow ?? 'fail', o.onLine, () => stop('output'));
    const err = capture(STDERR_TAIL, 'tail', o.onLine, () => {});
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    const onAbort = () => stop('aborted');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = o.timeoutMs !== undefined ? setTimeout(() => stop('timeout'), o.timeoutMs) : undefined;
    if (o.input !== undefined) {
      child.stdin?.on('error', () => {}); // a tool that exits without reading its input
      child.stdin?.end(o.input);
    }
    let settled = false;
    const finish = (e: Error | undefined, r?: ToolResult) => {
      if (settled) return;
      settled = true;
      if (pid !== undefined) live.delete(pid);
      clearTimeout(timer);
      clearTimeout(killTimer);
      o.signal?.removeEventListener('abort', onAbort);
      if (e !== undefined) reject(e);
      else resolve(r!);
    };
    const what = label(cmd, args, o.what);
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(e.code === 'ENOENT' ? missing(cmd, e) : toolErrors.make('TOOL_FAILED', `${what} could not run: ${e.message}`, { cause: e, details: { tool: cmd, args: [...args] } }));
    });
    child.on('close', (code, signal) => {
      // Grandchildren that outlived the tool (or ignored SIGTERM) go with their group.
      if (pid !== undefined && (signal !== null || stopped !== undefined)) killGroup(pid, 'SIGKILL');
      const details = { tool: cmd, args: [...args] };
      switch (stopped) {
        case 'aborted':
          return finish(toolErrors.make('TOOL_ABORTED', `${what} stopped: the operation was aborted`, { details }));
        case 'timeout':
          return finish(toolErrors.make('TOOL_TIMEOUT', `${what} did not finish within ${(o.timeoutMs ?? 0) / 1000} s and was killed`, { details }));
        case 'output':
          return finish(toolErrors.make('TOOL_OUTPUT_LIMIT', `${what} wrote more than ${limit} bytes and was stopped`, { details }));
        case undefined: {
          // Wrapped in setpriv, a missing tool is setpriv's exec failure, not a spawn error.
          if (run.guarded && setprivExecFailed(codeOf(code, signal), err.text())) return finish(missing(cmd, new Error(lastLines(err.text(), 1))));
          const r = settle(cmd, args, o, { code: codeOf(code, signal), stdout: out.text(), stderr: err.text() }, signal);
          return r instanceof Error ? finish(r) : finish(undefined, r);
        }
        default:
          assertNever(stopped, 'stop reason');
      }
    });
  });
}
