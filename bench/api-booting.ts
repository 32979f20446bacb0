// The server side of `node bench/api.ts --booting N`: the real service, composed as
// `bootmedic serve` composes it (startServe over a config file), in a temporary home with a
// folder of N tiny-guest vm.yaml files whose guest reboots 2 s after each ready boot
// (`bootmedic.after=reboot`, as examples/tiny-reboots.yaml), so every VM keeps booting for
// as long as the bench runs. It reports to the parent over IPC: its URL and a viewer token
// once every VM has started booting, then, for a window the parent opens and closes, the
// event loop's delay (perf_hooks), the boots begun and ended, and the mean number of VMs
// booting (the fleet sampled every 100 ms).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { resolveAppConfig } from '../src/config/index.ts';
import { createToken, startServe } from '../src/server/index.ts';

export type WindowStats = Readonly<{
  loopDelayMs: Readonly<{ p50: number; p99: number; max: number }>;
  bootsStarted: number;
  verdicts: number;
  meanBooting: number;
  /** Since the service started: boots begun, verdicts, seconds. */
  sinceStart: Readonly<{ boots: number; verdicts: number; seconds: number }>;
}>;

export type BootingMessage = { type: 'ready'; url: string; token: string; home: string } | { type: 'window'; stats: WindowStats };

const vmYaml = (i: number) =>
  [`name: load-${String(i).padStart(2, '0')}`, 'guest: tiny', 'memoryMiB: 256', 'accel: auto', 'append: bootmedic.after=reboot', 'ready: { type: marker, text: bootmedic-ready }', ''].join('\n');

/** Runs the real service with `n` rebooting tiny VMs until SIGTERM; talks to the parent over IPC. */
export async function serveBooting(n: number): Promise<void> {
  const send = (m: BootingMessage) => process.send!(m);
  const home = mkdtempSync(join(tmpdir(), 'bm-bench-api-'));
  const vms = join(home, 'vm-files');
  mkdirSync(vms);
  for (let i = 0; i < n; i++) writeFileSync(join(vms, `load-${i}.yaml`), vmYaml(i));
  const configFile = join(home, 'bootmedic.yaml');
  // Heal on: a boot that fails under the load is diagnosed and healed as in production.
  writeFileSync(configFile, `listen: 127.0.0.1:0\nvms: { dir: ${vms} }\nheal: { enabled: true }\n`);
  const app = resolveAppConfig({ home });
  // Made before the server reads the token file.
  const { token } = createToken(home, 'viewer');
  // Warnings and errors go to stderr: a VM that stops booting would make the figure a lie.
  const log = (l: Record<string, unknown>) => void (l['level'] === 'warn' || l['level'] === 'error' ? process.stderr.write(`server: ${JSON.stringify(l)}\n`) : undefined);
  const serving = await startServe({ app, server: {}, configFile, log });
  const { service } = serving;

  let bootsStarted = 0;
  let verdicts = 0;
  const started = new Set<string>();
  service.hub.subscribe((e) => {
    if (e.event.kind !== 'boot') return;
    if (e.event.event.type === 'boot-start') {
      bootsStarted++;
      started.add(e.event.vm);
    }
    if (e.event.event.type === 'verdict') verdicts++;
  });
  const t0 = performance.now();
  const delay = monitorEventLoopDelay({ resolution: 2 });
  let samples = 0;
  let booting = 0;
  const sampler = setInterval(() => {
    samples++;
    booting += service.fleet().filter((v) => v.state === 'starting' || v.state === 'booting').length;
  }, 100);
  const opened = { boots: 0, verdicts: 0 };
  process.on('message', (m: { type: string }) => {
    if (m.type === 'open') {
      delay.reset();
      delay.enable();
      samples = 0;
      booting = 0;
      Object.assign(opened, { boots: bootsStarted, verdicts });
    } else if (m.type === 'close') {
      delay.disable();
      const ms = (ns: number) => ns / 1e6;
      send({
        type: 'window',
        stats: {
          loopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
          bootsStarted: bootsStarted - opened.boots,
          verdicts: verdicts - opened.verdicts,
          meanBooting: samples === 0 ? 0 : booting / samples,
          sinceStart: { boots: bootsStarted, verdicts, seconds: (performance.now() - t0) / 1000 },
        },
      });
    }
  });
  const waitStart = setInterval(() => {
    if (started.size < n) return;
    clearInterval(waitStart);
    send({ type: 'ready', url: serving.url, token, home });
  }, 200);
  const stop = () => {
    clearInterval(sampler);
    clearInterval(waitStart);
    void serving
      .close()
      .then(() => rmSync(home, { recursive: true, force: true }))
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  // The parent died without stopping us: stop too, so no VM outlives the bench.
  process.once('disconnect', stop);
}
