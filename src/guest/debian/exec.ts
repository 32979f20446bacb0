// Runs the host tools of the image build. Each runs with an argument array (never a
// shell string), in its own process group so that an abort also stops the tools it
// started itself (debootstrap runs dpkg, chroot runs update-initramfs), and is always
// reaped: on abort, on error and when our own process exits.
import { spawn } from 'node:child_process';
import { debianErrors } from './errors.ts';

/** The output of a tool that exited 0. */
export type ExecResult = { stdout: string; stderr: string };

/** Options of one tool run. */
export type ExecOptions = {
  cwd?: string;
  /** Bytes written to the tool's stdin, which is then closed. */
  input?: string;
  signal?: AbortSignal;
  /** Each complete stdout/stderr line, as it arrives (debootstrap's `I:` lines). */
  onLine?: (line: string) => void;
  /** Environment for the tool; a fixed, minimal one by default. */
  env?: Record<string, string>;
};

// A fixed environment: the build must not depend on the caller's locale or variables.
const BASE_ENV: Record<string, string> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LC_ALL: 'C.UTF-8',
  LANG: 'C.UTF-8',
  DEBIAN_FRONTEND: 'noninteractive',
  HOME: '/root',
};

const live = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // Already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Detached groups would outlive us; 'exit' runs on normal exit and on process.exit().
  process.on('exit', () => {
    for (const pid of live) killGroup(pid, 'SIGKILL');
  });
}

const TAIL = 4000;

/** Runs `cmd args`, resolving with its output on exit 0 and throwing GUEST_DEBIAN_TOOL_FAILED otherwise. */
export function exec(cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  installExitHook();
  return new Promise((resolvePromise, reject) => {
    if (opts.signal?.aborted) {
      reject(debianErrors.make('GUEST_DEBIAN_ABORTED', `${cmd} not started: build aborted`));
      return;
    }
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { ...BASE_ENV, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) live.add(pid);
    let out = '';
    let err = '';
    const partial = { out: '', err: '' };
    const feed = (which: 'out' | 'err', chunk: string): void => {
      if (opts.onLine === undefined) return;
      const lines = (partial[which] + chunk).split('\n');
      partial[which] = lines.pop() ?? '';
      for (const l of lines) opts.onLine(l);
    };
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      out = (out + s).length > 1 << 20 ? (out + s).slice(-(1 << 20)) : out + s;
      feed('out', s);
    });
    child.stderr?.setEncoding('utf8').on('data', (s: string) => {
      err = (err + s).slice(-TAIL * 4);
      feed('err', s);
    });
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      if (pid === undefined) return;
      killGroup(pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), 5000);
      killTimer.unref();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => {});
      child.stdin?.end(opts.input);
    }
    const done = (): void => {
      if (pid !== undefined) live.delete(pid);
      if (killTimer !== undefined) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e: NodeJS.ErrnoException) => {
      done();
      if (e.code === 'ENOENT') reject(debianErrors.make('GUEST_DEBIAN_TOOL_MISSING', `host tool '${cmd}' is not installed`, { cause: e }));
      else reject(debianErrors.make('GUEST_DEBIAN_TOOL_FAILED', `${cmd}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, sig) => {
      done();
      // The group may still hold grandchildren that ignored the first signal.
      if (pid !== undefined && (sig !== null || opts.signal?.aborted)) killGroup(pid, 'SIGKILL');
      if (opts.signal?.aborted) {
        reject(debianErrors.make('GUEST_DEBIAN_ABORTED', `${cmd} stopped: build aborted`));
        return;
      }
      if (code === 0) {
        resolvePromise({ stdout: out, stderr: err });
        return;
      }
      const tail = (err.trim() || out.trim()).split('\n').slice(-6).join(' | ').slice(-TAIL);
      reject(
        debianErrors.make('GUEST_DEBIAN_TOOL_FAILED', `${cmd} ${args.slice(0, 3).join(' ')}${args.length > 3 ? ' …' : ''} exited with ${code ?? sig}: ${tail}`, {
          details: { cmd, args: [...args], code, signal: sig },
        }),
      );
    });
  });
}
