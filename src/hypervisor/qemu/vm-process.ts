// One running QEMU: spawned paused (-S), QMP negotiated, then `cont`. Console bytes,
// QMP events and the exit become VmEvents in arrival order.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { isBootmedicError, withParentDeathSignal, type BootmedicError } from '../../core/index.ts';
import { hvErrors } from '../errors.ts';
import type { Accel, ExitInfo, VmEvent, VmProcess } from '../types.ts';
import { connectQmp, type QmpClient } from './qmp-client.ts';
import { trackChild } from './reaper.ts';
import { qemuExitReason } from './stderr-reason.ts';

/** QEMU's stderr kept per boot; the tail is what explains an exit. */
const STDERR_MAX = 64 * 1024;
const BACKLOG_MAX = 10_000;
const RESET_BURST_MS = 1000;

export type SpawnOptions = {
  runDir: string; qmpSocket: string; accel: Accel; signal?: AbortSignal; qmpTimeoutMs?: number; qemuBinary?: string;
  /** Runs with QEMU's pid while its CPUs are still paused (the QoS cgroup); a throw stops QEMU and fails the launch. */
  beforeStart?: (pid: number) => void;
};

/**
 * Spawns QEMU with `args` (which must contain -S and a QMP server on `qmpSocket`), waits for
 * QMP, starts the CPUs and returns the running VM. On any failure the process is killed
 * and reaped before the error is thrown, and a QEMU that exits at once is reported from its stderr.
 */
export async function spawnVm(args: readonly string[], opts: SpawnOptions): Promise<VmProcess> {
  const bin = opts.qemuBinary ?? 'qemu-system-x86_64';
  const wrapped = withParentDeathSignal(bin, args);
  const argv = [bin, ...args];
  if (opts.signal?.aborted) throw hvErrors.make('HV_ABORTED', `launch of ${opts.runDir} aborted before QEMU started`);
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const child = spawn(wrapped.cmd, wrapped.args, { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.runDir });
  trackChild(child);

  const listeners = new Set<(ev: VmEvent) => void>();
  let backlog: VmEvent[] | undefined = [];
  const emit = (ev: VmEvent) => {
    // Kept for the first subscriber only, and bounded: nobody listening must not grow memory.
    if (backlog && backlog.length < BACKLOG_MAX) backlog.push(ev);
    for (const fn of [...listeners]) fn(ev);
  };

  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-STDERR_MAX);
  });
  // RESET bursts: see VmEvent 'repeat' in ../types.ts.
  let lastReset = -Infinity;
  let consoleSinceReset = true;
  child.stdout!.on('data', (b: Buffer) => {
    consoleSinceReset = true;
    emit({ type: 'console', chunk: new Uint8Array(b), atMs: now() });
  });
  // Writing to a QEMU that is gone must not crash us.
  child.stdin!.on('error', () => {});

  let stopping = false;
  let spawnError: BootmedicError | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e.code === 'ENOENT' ? hvErrors.make('HV_QEMU_MISSING', `${wrapped.cmd} is not installed`, { cause: e }) : hvErrors.make('HV_QEMU_EXITED', `cannot start QEMU: ${e.message}`, { cause: e });
    });
    child.on('close', (code, signal) => {
      const error = spawnError ?? (stopping ? undefined : qemuExitReason(stderr, code, signal, argv));
      const info: ExitInfo = { code, signal, stderr, ...(error ? { error } : {}), atMs: now() };
      emit({ type: 'exit', ...info });
      resolve(info);
    });
  });
  let alive = true;
  void exited.then(() => (alive = false));

  const kill = async (graceMs: number, qmp: QmpClient | undefined): Promise<ExitInfo> => {
    if (!alive) return exited;
    stopping = true;
    const within = (ms: number) => Promise.race([exited.then(() => true), sleep(ms).then(() => false)]);
    if (qmp) {
      qmp.execute('quit', undefined, graceMs).catch(() => {});
      if (await within(graceMs)) return exited;
    }
    child.kill('SIGTERM');
    if (await within(graceMs)) return exited;
    child.kill('SIGKILL');
    return exited;
  };

  // Wait for the QMP socket while watching for an early exit (a bad argument, a missing file).
  let qmp: QmpClient;
  const timeoutMs = opts.qmpTimeoutMs ?? 10_000;
  const onAbort = () => void kill(500, undefined);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const deadline = performance.now() + timeoutMs;
    while (!existsSync(opts.qmpSocket)) {
      if (!alive) break;
      if (opts.signal?.aborted) throw hvErrors.make('HV_ABORTED', 'launch aborted while QEMU started');
      if (performance.now() > deadline) throw hvErrors.make('HV_QMP_TIMEOUT', `QEMU did not open its QMP socket ${opts.qmpSocket} within ${timeoutMs} ms`);
      await Promise.race([sleep(20), exited]);
    }
    if (!alive) {
      const info = await exited;
      throw info.error ?? hvErrors.make('HV_QEMU_EXITED', `QEMU exited (status ${info.code}) before the guest started`);
    }
    // QEMU creates the socket file (bind) a moment before it listens: retry a refused connect.
    for (;;) {
      try {
        qmp = await connectQmp(opts.qmpSocket, { timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
        break;
      } catch (e) {
        if (!isBootmedicError(e, 'HV_QMP_CONNECT') || !alive || performance.now() > deadline) throw e;
        await sleep(20);
      }
    }
    qmp.onEvent((ev) => {
      const atMs = now();
      let repeat = false;
      if (ev.event === 'RESET') {
        repeat = !consoleSinceReset && atMs - lastReset < RESET_BURST_MS;
        lastReset = atMs;
        consoleSinceReset = false;
      }
      emit({ type: 'qmp', event: ev.event, data: ev.data, atMs, ...(repeat ? { repeat: true as const } : {}) });
    });
    if (opts.beforeStart !== undefined && child.pid !== undefined) opts.beforeStart(child.pid);
    await qmp.execute('cont');
  } catch (e) {
    opts.signal?.removeEventListener('abort', onAbort);
    // A QEMU that dies on its own closes QMP first; let its exit land so its stderr explains.
    if (isBootmedicError(e, 'HV_QMP_CLOSED') || isBootmedicError(e, 'HV_QMP_PROTOCOL')) await Promise.race([exited, sleep(2000)]);
    const info = await kill(500, undefined);
    throw info.error ?? e;
  }
  opts.signal?.removeEventListener('abort', onAbort);
  const onAbortRunning = () => void kill(1000, qmp);
  opts.signal?.addEventListener('abort', onAbortRunning, { once: true });
  void exited.then(() => {
    opts.signal?.removeEventListener('abort', onAbortRunning);
    qmp.close();
  });

  return {
    pid: child.pid!,
    accel: opts.accel,
    runDir: opts.runDir,
    argv,
    onEvent(fn) {
      listeners.add(fn);
      if (backlog) {
        const past = backlog;
        backlog = undefined;
        for (const ev of past) fn(ev);
      }
      return () => listeners.delete(fn);
    },
    qmp: (command, args) => qmp.execute(command, args),
    sendConsole(data) {
      if (alive) child.stdin!.write(data);
    },
    stop: (o = {}) => kill(o.graceMs ?? 3000, qmp),
    exited,
  };
}
