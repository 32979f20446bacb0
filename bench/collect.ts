// The cost of metric collection (src/monitor/collect): CPU time per round for the host
// collectors plus N VMs over QMP, as a share of one core at a 10 s interval, with and
// without recording the round in the store's metric history. The VMs are fake QMP servers
// (testkit/fake-qmp.ts) run in a child process, so their own CPU is not counted; the host
// files and /proc/<pid> are the real ones (every VM's pid is this process's).
// Prints figures; asserts nothing. Run: node bench/collect.ts [--vms 50] [--rounds 30]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { connectQmp, type QmpClient } from '../src/hypervisor/index.ts';
import { createCollector, qemuVmSource, recordRound, renderExposition, type VmSource } from '../src/monitor/index.ts';
import { openStore } from '../src/store/index.ts';
import { QMP_STATS_REPLIES } from '../testkit/index.ts';
import { startFakeQmp } from '../testkit/index.ts';

const { values } = parseArgs({ options: { vms: { type: 'string', default: '50' }, rounds: { type: 'string', default: '30' }, serve: { type: 'string' } } });
const out = (s: string): void => void process.stdout.write(`${s}\n`);

if (values.serve !== undefined) {
  // Child: serve N fake QMP sockets, print their paths, stop when the parent closes stdin.
  const fakes = await Promise.all(Array.from({ length: Number(values.serve) }, () => startFakeQmp({ replies: QMP_STATS_REPLIES })));
  out(JSON.stringify(fakes.map((f) => f.path)));
  process.stdin.resume();
  process.stdin.on('end', () => void Promise.all(fakes.map((f) => f.close())).then(() => process.exit(0)));
} else {
  const nVms = Number(values.vms);
  const rounds = Number(values.rounds);
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--serve', String(nVms)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const clients: QmpClient[] = [];
  const home = mkdtempSync(join(tmpdir(), 'bm-bench-collect-'));
  try {
    const first = await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r));
    const paths = JSON.parse(first) as string[];
    for (const p of paths) clients.push(await connectQmp(p, { timeoutMs: 10_000 }));
    const vms: VmSource[] = clients.map((c, i) => qemuVmSource({ vm: `vm${i}`, qmp: (cmd, a) => c.execute(cmd, a), pid: process.pid, balloonPath: '/machine/peripheral/balloon0' }));
    const store = openStore({ home });
    const measure = async (record: boolean) => {
      const collector = createCollector();
      await collector.round(vms); // warm-up: JIT, first counters
      let samples = 0;
      const cpu = process.cpuUsage();
      const t = performance.now();
      for (let i = 0; i < rounds; i++) {
        const r = await collector.round(vms);
        samples = r.samples.length;
        if (record) recordRound(store.metrics, r);
      }
      const used = process.cpuUsage(cpu);
      const cpuMs = (used.user + used.system) / 1000 / rounds;
      return { cpuMs, wallMs: (performance.now() - t) / rounds, samples };
    };
    const plain = await measure(false);
    const kept = await measure(true);
    const text = renderExposition((await createCollector().round(vms)).samples);
    store.close();
    const pct = (ms: number) => ((ms / 10_000) * 100).toFixed(2);
    out(`host + ${nVms} VMs, ${rounds} rounds, ${plain.samples} samples per round (${text.length} bytes of exposition text)`);
    out(`collect:           ${plain.cpuMs.toFixed(1)} ms CPU per round (${plain.wallMs.toFixed(1)} ms wall) = ${pct(plain.cpuMs)}% of one core at a 10 s interval`);
    out(`collect + history: ${kept.cpuMs.toFixed(1)} ms CPU per round (${kept.wallMs.toFixed(1)} ms wall) = ${pct(kept.cpuMs)}% of one core at a 10 s interval`);
  } finally {
    for (const c of clients) c.close();
    child.stdin!.end();
    await new Promise((r) => child.once('exit', r));
    rmSync(home, { recursive: true, force: true });
  }
}
