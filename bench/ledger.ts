// Ledger figures: durable appends per second with group commit, inclusion-proof time on a
// 1,000,000-entry log, and a full verify of that log. Run by hand:
//   node bench/ledger.ts [--entries 1000000] [--keep]
// Targets (issue 4): >= 10,000 appends/s on one core, proof < 1 ms, verify < 10 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openLedger, verifyExport, verifyInclusion } from '../src/ledger/index.ts';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } } });
const total = Number(values.entries);
const home = mkdtempSync(join(tmpdir(), 'bootmedic-bench-ledger-'));
const out = (s: string) => process.stdout.write(`${s}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
// This machine is shared: wall-clock time includes waiting for a core, so each figure
// also gives the CPU time this process used (user + system), the one-core cost.
function timed<T>(fn: () => T): { value: T; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { value, wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}
async function timedAsync(fn: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

function event(i: number) {
  return { type: 'boot-outcome', vm: `vm-${i % 64}`, at: '2026-11-26T12:00:00.000Z', data: { outcome: i % 7 === 0 ? 'failed' : 'ready', seconds: (i % 90) + 0.5, boot: i } };
}

out(`ledger bench: ${fmt(total)} entries, home ${home}`);
const ledger = await openLedger({ home, origin: 'bench.bootmedic.local/ledger' });

// 1. Small batches: 100 appends per tick, each tick one transaction + fsync + checkpoint.
{
  const n = 20_000;
  const t = await timedAsync(async () => {
    for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => ledger.append(event(i + j))));
  });
  out(`appends, batches of 100:   ${fmt(n / t.wall)} durable appends/s wall, ${fmt(n / t.cpu)}/s per CPU-second (${fmt(n)} entries, ${fmt(n / 100)} checkpoints)`);
}
// 2. Large batches (what a busy supervisor or a drill burst produces): 8192 per tick.
{
  const start = ledger.size;
  const t = await timedAsync(async () => {
    for (let i = start; i < total; i += 8192) {
      const m = Math.min(8192, total - i);
      await Promise.all(Array.from({ length: m }, (_, j) => ledger.append(event(i + j))));
    }
  });
  out(`appends, batches of 8192:  ${fmt((total - start) / t.wall)} durable appends/s wall, ${fmt((total - start) / t.cpu)}/s per CPU-second (${fmt(total - start)} entries in ${t.wall.toFixed(1)} s)`);
}
// 3. Inclusion proofs at random indexes of the full log (cold chunk cache: reopened).
await ledger.close();
const reader = await openLedger({ home, readOnly: true });
{
  const root = reader.rootAt();
  const k = 2000;
  const idx = Array.from({ length: k }, (_, i) => Math.floor(((i * 2654435761) % 2 ** 32) / 2 ** 32 * reader.size));
  const t = timed(() => idx.map((i) => reader.inclusionProof(i)));
  const bad = t.value.filter((p) => verifyInclusion(p.index, p.size, p.leafHash, p.proof, root) !== null).length;
  out(`inclusion proof, ${fmt(reader.size)} entries: ${((t.wall / k) * 1000).toFixed(3)} ms wall, ${((t.cpu / k) * 1000).toFixed(3)} ms CPU each (mean of ${k} random indexes; ${bad} failed to verify)`);
}
// 4. Full verify: re-derive every hash, check every checkpoint, the stored chunks and tiles.
{
  const t = timed(() => reader.verify());
  out(`full verify, ${fmt(t.value.size)} entries: ${t.wall.toFixed(2)} s wall, ${t.cpu.toFixed(2)} s CPU (ok ${t.value.ok}, ${t.value.checkpoints} checkpoints)`);
}
// 5. Export and offline verify of the export alone.
{
  const dir = join(home, 'export');
  const e = timed(() => reader.export(dir));
  out(`export: ${e.wall.toFixed(2)} s wall, ${e.cpu.toFixed(2)} s CPU`);
  const t = timed(() => verifyExport(dir));
  out(`offline verify of the export: ${t.wall.toFixed(2)} s wall, ${t.cpu.toFixed(2)} s CPU (ok ${t.value.ok})`);
}
out(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} cores`);
await reader.close();
if (!values.keep) rmSync(home, { recursive: true, force: true });
