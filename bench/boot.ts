// Boot supervisor figures on real QEMU boots of the tiny guest:
//   - clean boot time, wall and per phase (median over --runs good boots);
//   - detection latency: from the arrival of the chunk holding the panic line's last byte
//     to the failure verdict (p50/p99 over --runs panic boots);
//   - hang detection: time to the stalled verdict as a ratio to the learned boot time.
// Usage: node bench/boot.ts [--runs N] [--home DIR]   (a temporary home by default)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { loadVmSpec, resolveAppConfig } from '../src/config/index.ts';
import { createQemuHypervisor, type Hypervisor } from '../src/hypervisor/index.ts';
import { openStore } from '../src/store/index.ts';
import { superviseVm, type BootOutcome } from '../src/supervisor/index.ts';
import { BOOT_PHASES, percentile, phaseRank } from '../src/boot/index.ts';
import { guestSource } from '../src/guest/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, home: { type: 'string' } } });
const runs = Number(values.runs);
const home = values.home ?? mkdtempSync(join(tmpdir(), 'bm-bench-boot-'));
const app = resolveAppConfig({ home });
const examples = fileURLToPath(new URL('../examples/', import.meta.url));
const store = openStore({ home });

// Records when each console chunk arrived and where it ends in the byte stream.
type Arrival = { at: number; endOffset: number };
function instrumented(hv: Hypervisor, arrivals: Arrival[]): Hypervisor {
  return {
    probeAccel: (o) => hv.probeAccel(o),
    async launch(spec, o) {
      const proc = await hv.launch(spec, o);
      let offset = 0;
      proc.onEvent((ev) => {
        if (ev.type !== 'console') return;
        offset += ev.chunk.length;
        arrivals.push({ at: performance.now(), endOffset: offset });
      });
      return proc;
    },
  };
}

const hv = createQemuHypervisor(app, { guests: guestSource(app) });
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const stats = (xs: number[]) => `median ${percentile(xs, 50).toFixed(1)}, p99 ${percentile(xs, 99).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}`;

async function once(file: string, arrivals: Arrival[] = [], onVerdict?: (t: number) => void): Promise<BootOutcome> {
  const spec = loadVmSpec(join(examples, file));
  const [o] = await superviseVm(spec, { hypervisor: instrumented(hv, arrivals), home, store }, {
    mode: 'once',
    onEvent: (e) => {
      if (e.type === 'verdict') onVerdict?.(e.detectedAt);
    },
  });
  if (o === undefined) throw new Error(`${file}: no outcome`);
  return o;
}

const accel = await hv.probeAccel();
process.stdout.write(`bench/boot: ${runs} runs each, accel ${accel.accel} (${accel.reason})\n`);

// 1. Clean boots.
const good: BootOutcome[] = [];
for (let i = 0; i < runs; i++) {
  const o = await once('tiny.yaml');
  if (o.status !== 'ready') throw new Error(`good boot ${i}: ${o.status}: ${o.reason}`);
  good.push(o);
}
const total = good.map((o) => o.durationMs);
process.stdout.write(`clean boot (tiny, wall from QEMU spawn to ready): ${stats(total)} ms\n`);
for (const phase of BOOT_PHASES.filter((p) => phaseRank(p) >= phaseRank('kernel'))) {
  const at = good.map((o) => o.timeline.find((t) => t.phase === phase)?.atMs).filter((x): x is number => x !== undefined);
  if (at.length > 0) process.stdout.write(`  ${phase.padEnd(10)} reached at median ${fmt(percentile(at, 50))}\n`);
}

// 2. Detection latency of a kernel panic.
const latencies: number[] = [];
for (let i = 0; i < runs; i++) {
  const arrivals: Arrival[] = [];
  let detectedAt = 0;
  const o = await once('faults/panic.yaml', arrivals, (t) => (detectedAt = t));
  const ev = o.evidence[0];
  if (o.status !== 'failed' || ev === undefined) throw new Error(`panic boot ${i}: ${o.status}: ${o.reason}`);
  // Where the evidence line ends in the raw console bytes.
  const raw = readFileSync(o.consoleLog);
  let line = 1;
  let end = raw.length;
  for (let b = 0; b < raw.length; b++) {
    if (raw[b] === 0x0a && ++line > ev.line) {
      end = b;
      break;
    }
  }
  const chunk = arrivals.find((a) => a.endOffset >= end);
  if (chunk === undefined) throw new Error('panic line not found in arrivals');
  latencies.push(detectedAt - chunk.at);
}
process.stdout.write(`detection latency (panic line's last byte → failed verdict): ${stats(latencies)} ms (target p99 ≤ 50 ms)\n`);

// 3. Hang detection, with budgets learned from the good boots above.
const hangs: number[] = [];
const typical = percentile(total, 50);
for (let i = 0; i < Math.min(runs, 3); i++) {
  const o = await once('faults/hang.yaml');
  if (o.status !== 'stalled') throw new Error(`hang boot ${i}: ${o.status}: ${o.reason}`);
  hangs.push(o.durationMs / typical);
}
process.stdout.write(`hang detection: stalled verdict at ${hangs.map((r) => `${r.toFixed(2)}×`).join(', ')} the learned boot time (${fmt(typical)}) (target ≤ 2×)\n`);

store.close();
if (values.home === undefined) rmSync(home, { recursive: true, force: true });
