// `bootmedic serve` in a child process (src/service/testdata/serve.ts), for tests that kill
// it with -9 mid-heal, reload it with SIGHUP or stop it with SIGTERM: its hub events as they
// come (one JSON line each on its stdout), its signals, its exit.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServiceEvent } from '../src/service/index.ts';

export type ServeChild = Readonly<{
  pid: number;
  events: ServiceEvent[];
  lines: string[];
  stderr: () => string;
  signal: (s: NodeJS.Signals) => void;
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Resolves once `ok()` holds after some stdout line; rejects when the child exits first. */
  waitFor: (what: string, ok: () => boolean) => Promise<void>;
}>;

/**
 * Starts the service on `home` with `config`; `libvirtDomains` keeps its libvirt fleet to
 * those domains (a shared libvirtd: never watch or heal another test's domains). The child
 * is SIGKILLed after 10 minutes at the latest.
 */
export function serveChild(home: string, config: string, o: { libvirtDomains?: readonly string[] } = {}): ServeChild {
  const script = fileURLToPath(new URL('../src/service/testdata/serve.ts', import.meta.url));
  const p = spawn(process.execPath, [script, home, config, ...(o.libvirtDomains !== undefined ? [o.libvirtDomains.join(',')] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: ServiceEvent[] = [];
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let buf = '';
  let err = '';
  const guard = setTimeout(() => p.kill('SIGKILL'), 600_000);
  p.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-20_000)));
  p.stdout.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(line);
      if (line.startsWith('{')) events.push(JSON.parse(line) as ServiceEvent);
      for (const w of [...waiters]) w();
    }
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => p.on('exit', (code, signal) => (clearTimeout(guard), resolve({ code, signal }))));
  return {
    pid: p.pid!,
    events,
    lines,
    stderr: () => err,
    signal: (s) => void p.kill(s),
    exited,
    waitFor(what, ok) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!ok()) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
        void exited.then(({ code, signal }) => {
          if (!waiters.has(check)) return;
          waiters.delete(check);
          reject(new Error(`the service exited (${code ?? signal}) before ${what}: ${JSON.stringify(events.slice(-5))}\n${err}`));
        });
      });
    },
  };
}
