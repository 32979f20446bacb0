// A real Prometheus and a real Alertmanager for tests (Debian's prometheus and
// prometheus-alertmanager), each started on a free loopback port in a temporary folder,
// through the host-tool runner (its own process group, reaped on stop and on exit).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTool, runToolSync } from '../src/core/index.ts';

/** A server a test started: its base URL, and stop() that ends it and removes its folder. */
export type RunningServer = Readonly<{ url: string; port: number; dir: string; stop(): Promise<void> }>;

/** True when `cmd --version` runs (the package is installed). */
export function hasTool(cmd: string): boolean {
  try {
    return runToolSync(cmd, ['--version'], { check: false, timeoutMs: 10_000 }).code === 0;
  } catch {
    return false;
  }
}

/** A TCP port free on 127.0.0.1 now (the OS picks it). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok, fail) => srv.once('error', fail).listen(0, '127.0.0.1', ok));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

/**
 * Polls `probe` (every 200 ms) until it returns a value other than undefined, and returns
 * it; throws naming `what` and the last value seen once `deadlineMs` has passed. A wait
 * for a real server, not a timing assertion: the deadline is generous.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 60_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`${what}: not seen within ${deadlineMs / 1000} s${last !== undefined ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startServer(name: string, cmd: string, args: (dir: string, port: number) => string[], config: string): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), `bm-${name}-`));
  writeFileSync(join(dir, 'config.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const ac = new AbortController();
  let exited: unknown;
  const run = runTool(cmd, args(dir, port), { signal: ac.signal, graceMs: 3000, overflow: 'tail', maxOutputBytes: 1 << 20 }).then(
    (r) => (exited = new Error(`${cmd} exited with ${r.code}: ${r.stderr.slice(-2000)}`)),
    (e: unknown) => (exited = e),
  );
  const stop = async () => {
    ac.abort();
    await run;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(`${cmd} ready at ${url}`, async () => {
      if (exited !== undefined) throw exited;
      const r = await fetch(`${url}/-/ready`).catch(() => undefined);
      return r?.ok === true ? true : undefined;
    }, 30_000);
  } catch (e) {
    await stop();
    throw exited instanceof Error ? exited : e;
  }
  return { url, port, dir, stop };
}

/** Starts Prometheus with `config` (prometheus.yml text). */
export function startPrometheus(config: string): Promise<RunningServer> {
  return startServer('prometheus', 'prometheus', (dir, port) => [
    `--config.file=${join(dir, 'config.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], config);
}

/** Starts Alertmanager with one receiver that sends nowhere (the test reads its API). */
export function startAlertmanager(): Promise<RunningServer> {
  const config = ['route:', '  receiver: nowhere', '  group_wait: 1s', 'receivers:', '  - name: nowhere', ''].join('\n');
  return startServer('alertmanager', 'prometheus-alertmanager', (dir, port) => [
    `--config.file=${join(dir, 'config.yml')}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn',
  ], config);
}
