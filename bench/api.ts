// API figures (issue 13's targets): p99 latency of GET /api/v1/vms at a fixed request rate,
// and what 100 SSE clients cost the server. The server runs in a child process (this file
// with --serve) over the testkit's fake Service, so its CPU time (/proc/<pid>/stat) is the
// server's alone; this process is the load generator: plain node:http, open loop (requests
// are sent on schedule whether or not earlier ones answered, so a slow server shows as latency).
//   node bench/api.ts [--rate 500] [--seconds 10] [--clients 100] [--events-per-s 20]
// With --booting N the child is the real service instead (`bootmedic serve`'s composition,
// bench/api-booting.ts): N tiny VMs that reboot 2 s after each ready boot, so they boot for
// the whole window; it prints the latency, the server's CPU, its event-loop delay and the load.
//   flock /tmp/bench.lock node bench/api.ts --booting 10 [--seconds 20]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, get, request } from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BootingMessage, WindowStats } from './api-booting.ts';

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean' }, rate: { type: 'string' }, seconds: { type: 'string' }, clients: { type: 'string' }, 'events-per-s': { type: 'string' }, booting: { type: 'string' },
  },
});
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const booting = values.booting === undefined ? undefined : num(values.booting, 10);

/** utime + stime in ms of a process or a thread (`/proc/<pid>/stat` or `/proc/<pid>/task/<tid>/stat`), and its name and parent. */
function stat(path: string): { name: string; ppid: number; cpuMs: number; nice: number } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined; // gone meanwhile
  }
  const f = text.slice(text.lastIndexOf(') ') + 2).split(' ');
  return { name: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')), ppid: Number(f[1]), cpuMs: (Number(f[11]) + Number(f[12])) * 10, nice: Number(f[16]) }; // 100 Hz clock ticks
}

/** Nanoseconds the thread ran and waited for a CPU while runnable (`/proc/<pid>/task/<tid>/schedstat`). */
function schedstat(pid: number): { runNs: number; waitNs: number } {
  const [run, wait] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
  return { runNs: run!, waitNs: wait! };
}

/** CPU ms of the server's threads (by thread name), and of its QEMU children together. */
function cpuSnapshot(pid: number): { threads: Map<string, number>; qemuMs: number; qemus: number; qemuNice: Set<number> } {
  const threads = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const s = stat(`/proc/${pid}/task/${tid}/stat`);
    if (s !== undefined) threads.set(tid === String(pid) ? 'main (event loop)' : `${s.name} ${tid}`, s.cpuMs);
  }
  let qemuMs = 0;
  let qemus = 0;
  const qemuNice = new Set<number>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    const s = stat(`/proc/${p}/stat`);
    if (s?.ppid === pid && s.name.startsWith('qemu')) {
      qemuMs += s.cpuMs;
      qemus++;
      let tids: string[] = [];
      try {
        tids = readdirSync(`/proc/${p}/task`);
      } catch {
        // exited meanwhile
      }
      for (const tid of tids) qemuNice.add(stat(`/proc/${p}/task/${tid}/stat`)?.nice ?? NaN);
    }
  }
  return { threads, qemuMs, qemus, qemuNice };
}

if (values.serve === true && booting !== undefined) {
  const { serveBooting } = await import('./api-booting.ts');
  await serveBooting(booting);
} else if (values.serve === true) {
  // The server side: fake service, a viewer token, a steady trickle of console events.
  const { createFakeService } = await import('../testkit/index.ts');
  const { createServer, staticTokenBook } = await import('../src/server/index.ts');
  const fake = await createFakeService();
  for (let i = 0; i < 20; i++) fake.state.fleet.push({ name: `vm${i}`, source: 'qemu', state: 'ready', heal: false, bootTrend: [4000, 4100, 3900] });
  const token = 'bench-viewer-token-0123456789';
  const server = createServer({ service: fake.service, tokens: staticTokenBook({ [token]: 'viewer' }), config: { listen: { host: '127.0.0.1', port: 0 } } });
  const { url } = await server.listen();
  const eps = num(values['events-per-s'], 20);
  let line = 0;
  setInterval(() => fake.hub.publish({ kind: 'console', vm: 'web1', bootId: 'b', line: ++line, text: `[    1.234567] a console line of a booting guest, number ${line}`, atMs: line }), 1000 / eps);
  process.stdout.write(`${JSON.stringify({ url, token })}\n`);
  process.on('SIGTERM', () => void server.close().then(() => fake.cleanup()).then(() => process.exit(0)));
} else {
  const rate = num(values.rate, 500);
  const seconds = num(values.seconds, booting !== undefined ? 20 : 10);
  const nClients = num(values.clients, 100);
  const args = booting !== undefined ? ['--serve', '--booting', String(booting)] : ['--serve', '--events-per-s', String(num(values['events-per-s'], 20))];
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const cpuMs = () => stat(`/proc/${child.pid}/stat`)!.cpuMs;
  const fromChild = <T extends BootingMessage['type']>(type: T) =>
    new Promise<Extract<BootingMessage, { type: T }>>((resolve, reject) => {
      const on = (m: BootingMessage) => {
        if (m.type !== type) return;
        child.off('message', on);
        resolve(m as Extract<BootingMessage, { type: T }>);
      };
      child.on('message', on);
      child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    });
  try {
    const { url, token } =
      booting !== undefined
        ? await fromChild('ready')
        : await new Promise<{ url: string; token: string }>((resolve, reject) => {
            let out = '';
            child.stdout!.on('data', (d: Buffer) => {
              out += d;
              if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]!) as { url: string; token: string });
            });
            child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
          });
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const once = () =>
      new Promise<number>((resolve, reject) => {
        const t0 = performance.now();
        const req = request(`${url}/api/v1/vms`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`status ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end();
      });
    if (booting !== undefined) {
      // Before the warm-up: idle keep-alive sockets would be closed by the server meanwhile.
      // The service's own work while the VMs boot (console matching, store, ledger, SSE hub), with no request.
      const quiet = fromChild('window');
      const [c0, s0, t0] = [cpuMs(), schedstat(child.pid!), performance.now()];
      child.send!({ type: 'open' });
      await sleep(5000);
      child.send!({ type: 'close' });
      const w = (await quiet).stats;
      const [c1, s1, s] = [cpuMs(), schedstat(child.pid!), (performance.now() - t0) / 1000];
      const pc = (x: number) => `${((x / s) * 100).toFixed(1)}%`;
      process.stdout.write(`no requests, ${s.toFixed(0)} s: server CPU ${pc((c1 - c0) / 1000)} of one core; main thread on a CPU ${pc((s1.runNs - s0.runNs) / 1e9)}, waiting for one ${pc((s1.waitNs - s0.waitNs) / 1e9)}; event-loop delay ms p50 ${w.loopDelayMs.p50.toFixed(1)} p99 ${w.loopDelayMs.p99.toFixed(1)} max ${w.loopDelayMs.max.toFixed(1)}\n`);
    }
    for (let i = 0; i < (booting !== undefined ? 20 : 200); i++) await once(); // warm up
    const total = Math.round(rate * seconds);
    const lat: number[] = [];
    let errors = 0;
    const load0 = loadavg()[0]!;
    const snap0 = booting !== undefined ? cpuSnapshot(child.pid!) : undefined;
    const sched0 = booting !== undefined ? schedstat(child.pid!) : undefined;
    const windowStats = booting !== undefined ? fromChild('window') : undefined;
    child.send?.({ type: 'open' });
    const start = performance.now();
    const cpu0 = cpuMs();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      pending.push(once().then((ms) => void lat.push(ms), () => void errors++));
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - start) / 1000;
    const httpCpu = (cpuMs() - cpu0) / 1000 / elapsed;
    child.send?.({ type: 'close' });
    lat.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(2);
    const what = booting !== undefined ? `${booting} VMs, the real service while they boot` : '20 VMs';
    process.stdout.write(`GET /api/v1/vms (${what}) at ${rate} req/s for ${seconds} s: ${lat.length} requests answered 200 (${errors} failed), achieved ${(lat.length / elapsed).toFixed(0)} req/s\n`);
    process.stdout.write(`  latency ms: p50 ${q(0.5)}  p90 ${q(0.9)}  p99 ${q(0.99)}  max ${lat.at(-1)!.toFixed(2)}   (target p99 <= 20 ms)\n`);
    process.stdout.write(`  server CPU: ${(httpCpu * 100).toFixed(1)}% of one core\n`);
    if (booting !== undefined) {
      const snap1 = cpuSnapshot(child.pid!);
      const sched1 = schedstat(child.pid!);
      const w: WindowStats = (await windowStats!).stats;
      const pc = (ms: number) => `${((ms / 1000 / elapsed) * 100).toFixed(1)}%`;
      const threads = [...snap1.threads].map(([t, ms]) => [t, ms - (snap0!.threads.get(t) ?? 0)] as const).filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]);
      process.stdout.write(`  server threads: ${threads.map(([t, ms]) => `${t} ${pc(ms)}`).join(', ')}\n`);
      const share = (ns: number) => `${((ns / 1e9 / elapsed) * 100).toFixed(1)}%`;
      process.stdout.write(`  server main thread: on a CPU ${share(sched1.runNs - sched0!.runNs)} of the window, runnable but waiting for a CPU ${share(sched1.waitNs - sched0!.waitNs)}\n`);
      process.stdout.write(`  server event-loop delay ms: p50 ${w.loopDelayMs.p50.toFixed(1)}  p99 ${w.loopDelayMs.p99.toFixed(1)}  max ${w.loopDelayMs.max.toFixed(1)}\n`);
      process.stdout.write(`  priority: server nice ${stat(`/proc/${child.pid}/stat`)!.nice}, QEMU threads nice ${[...snap1.qemuNice].join(', ')}\n`);
      process.stdout.write(`  booting: ${snap1.qemus} QEMU running, ${pc(snap1.qemuMs - snap0!.qemuMs)} of one core for QEMU (the host has ${availableParallelism()} cores); a mean of ${w.meanBooting.toFixed(1)} of ${booting} VMs starting or booting; ${w.bootsStarted} boots began and ${w.verdicts} verdicts in the window (${w.sinceStart.boots} and ${w.sinceStart.verdicts} in the ${w.sinceStart.seconds.toFixed(0)} s since the service started)\n`);
      process.stdout.write(`  load average: ${load0.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end (1 min)\n`);
    }
    agent.destroy();
    if (booting === undefined) {
      // SSE: server CPU with no clients, then with nClients, at the same event rate.
      const window = Math.max(5, seconds);
      const base0 = cpuMs();
      await sleep(window * 1000);
      const baseline = (cpuMs() - base0) / 1000 / window;
      const reqs: ReturnType<typeof get>[] = [];
      let received = 0;
      await Promise.all(
        Array.from({ length: nClients }, () =>
          new Promise<void>((resolve, reject) => {
            const r = get(`${url}/api/v1/events?access_token=${token}`, (res) => {
              res.on('data', (d: Buffer) => (received += d.length));
              resolve();
            });
            r.on('error', reject);
            reqs.push(r);
          }),
        ),
      );
      const with0 = cpuMs();
      const recv0 = received;
      await sleep(window * 1000);
      const withClients = (cpuMs() - with0) / 1000 / window;
      const kb = (received - recv0) / 1024 / window;
      for (const r of reqs) r.destroy();
      process.stdout.write(`SSE, ${num(values['events-per-s'], 20)} events/s, ${window} s windows: server CPU ${(baseline * 100).toFixed(1)}% with no client, ${(withClients * 100).toFixed(1)}% with ${nClients} clients\n`);
      process.stdout.write(`  cost of ${nClients} clients: ${((withClients - baseline) * 100).toFixed(1)}% of one core (target < 5%); they received ${kb.toFixed(0)} KiB/s\n`);
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited; // the service shuts its VMs down before it exits
  }
}
