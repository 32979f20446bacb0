// Ledger figures: durable appends per second with group commit, inclusion-proof time on a
// 1,000,000-entry log, and a full verify of that log. Run by hand:
//   node bench/ledger.ts [--entries 1000000] [--keep]
// Targets (issue 4): >= 10,000 appends/s on one core, proof < 1 ms, verify < 10 s.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openLedger, verifyExport, verifyInclusion } from '../src/ledger/index.ts';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } } });
const total = Number(values.entries);
const home = mkdtempSync(join(tmpdir(), 'bootmedic-bench-ledger-'));
const out = (s: string) => process.stdout.write(`${s}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function event(i: number) {
  return { type: 'boot-outcome', vm: `vm-${i % 64}`, at: '2026-11-26T12:00:00.000Z', data: { outcome: i % 7 === 0 ? 'failed' : 'ready', seconds: (i % 90) + 0.5, boot: i } };
}

out(`ledger bench: ${fmt(total)} entries, home ${home}`);
const ledger = await openLedger({ home, origin: 'bench.bootmedic.local/ledger' });

// 1. Small batches: 100 appends per tick, each tick one transaction + fsync + checkpoint.
{
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => ledger.append(event(i + j))));
  const s = (performance.now() - t0) / 1000;
  out(`appends, batches of 100:     ${fmt(n / s)} durable appends/s (${n} entries, ${fmt(n / 100)} checkpoints)`);
}
// 2. Large batches (what a busy supervisor or a drill burst produces): 8192 per tick.
{
  const t0 = performance.now();
  const start = ledger.size;
  for (let i = start; i < total; i += 8192) {
    const m = Math.min(8192, total - i);
    await Promise.all(Array.from({ length: m }, (_, j) => ledger.append(event(i + j))));
  }
  const s = (performance.now() - t0) / 1000;
  out(`appends, batches of 8192:    ${fmt((total - start) / s)} durable appends/s (${fmt(total - start)} entries in ${s.toFixed(1)} s)`);
}
// 3. Inclusion proofs at random indexes of the full log (cold chunk cache: reopened).
await ledger.close();
const reader = await openLedger({ home, readOnly: true });
{
  const root = reader.rootAt();
  const k = 2000;
  const idx = Array.from({ length: k }, (_, i) => Math.floor(((i * 2654435761) % 2 ** 32) / 2 ** 32 * reader.size));
  const t0 = performance.now();
  const proofs = idx.map((i) => reader.inclusionProof(i));
  const ms = (performance.now() - t0) / k;
  const bad = proofs.filter((p) => verifyInclusion(p.index, p.size, p.leafHash, p.proof, root) !== null).length;
  out(`inclusion proof, ${fmt(reader.size)} entries: ${ms.toFixed(3)} ms each (mean of ${k} random indexes; ${bad} failed to verify)`);
}
// 4. Full verify: re-derive every hash, check every checkpoint, the stored chunks and tiles.
{
  const t0 = performance.now();
  const r = reader.verify();
  const s = (performance.now() - t0) / 1000;
  out(`full verify, ${fmt(r.size)} entries: ${s.toFixed(2)} s (ok ${r.ok}, ${r.checkpoints} checkpoints)`);
}
// 5. Export and offline verify of the export alone.
{
  const dir = join(home, 'export');
  let t0 = performance.now();
  reader.export(dir);
  out(`export: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  t0 = performance.now();
  const r = verifyExport(dir);
  out(`offline verify of the export: ${((performance.now() - t0) / 1000).toFixed(2)} s (ok ${r.ok})`);
}
await reader.close();
if (!values.keep) rmSync(home, { recursive: true, force: true });
