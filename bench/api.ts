// API figures (issue 13's targets): p99 latency of GET /api/v1/vms at a fixed request rate,
// and what 100 SSE clients cost the server. The server runs in a child process (this file
// with --serve) over the testkit's fake Service, so its CPU time (/proc/<pid>/stat) is the
// server's alone; this process is the load generator: plain node:http, open loop (requests
// are sent on schedule whether or not earlier ones answered, so a slow server shows as latency).
//   node bench/api.ts [--rate 500] [--seconds 10] [--clients 100] [--events-per-s 20]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, get, request } from 'node:http';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';

const { values } = parseArgs({
  options: { serve: { type: 'boolean' }, rate: { type: 'string' }, seconds: { type: 'string' }, clients: { type: 'string' }, 'events-per-s': { type: 'string' } },
});
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));

if (values.serve === true) {
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
  const seconds = num(values.seconds, 10);
  const nClients = num(values.clients, 100);
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--serve', '--events-per-s', String(num(values['events-per-s'], 20))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const cpuMs = () => {
    const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in 100 Hz clock ticks
  };
  try {
    const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
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
    for (let i = 0; i < 200; i++) await once(); // warm up
    const total = Math.round(rate * seconds);
    const lat: number[] = [];
    const start = performance.now();
    const cpu0 = cpuMs();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      pending.push(once().then((ms) => void lat.push(ms)));
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - start) / 1000;
    const httpCpu = (cpuMs() - cpu0) / 1000 / elapsed;
    lat.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(2);
    process.stdout.write(`GET /api/v1/vms (20 VMs) at ${rate} req/s for ${seconds} s: ${lat.length} requests, achieved ${(lat.length / elapsed).toFixed(0)} req/s\n`);
    process.stdout.write(`  latency ms: p50 ${q(0.5)}  p90 ${q(0.9)}  p99 ${q(0.99)}  max ${lat.at(-1)!.toFixed(2)}   (target p99 <= 20 ms)\n`);
    process.stdout.write(`  server CPU: ${(httpCpu * 100).toFixed(1)}% of one core\n`);
    agent.destroy();

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
  } finally {
    child.kill('SIGTERM');
  }
}
