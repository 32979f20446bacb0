// What the VMs' lower CPU priority (resources.vmNice, docs/configuration.md) costs a VM: a
// burstable tiny VM's boot to ready at vmNice 0 and at vmNice 10 (the default), taking turns
// round by round so the machine's other load falls on both alike; with --hog, also beside a
// busy loop started by this process (so in its scheduling group, where nice counts: there the
// niced VM yields to the loop, which is the point of the setting when the loop is bootmedic).
// Usage: node bench/vm-nice.ts [--runs N] [--hog]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentile } from '../src/boot/index.ts';
import { resolveAppConfig } from '../src/config/index.ts';
import { runTool } from '../src/core/index.ts';
import { guestSource } from '../src/guest/index.ts';
import { createQemuHypervisor } from '../src/hypervisor/index.ts';
import { bootOnce, exampleSpec } from '../testkit/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, hog: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const home = mkdtempSync(join(tmpdir(), 'bm-bench-nice-'));
const app = resolveAppConfig({ home });
const hv = (nice: number) => createQemuHypervisor(app, { guests: guestSource(app), vmNice: () => nice });
const spec = exampleSpec('tiny.yaml', home, { stallSeconds: 600, over: { name: `nice-${process.pid}`, accel: 'tcg' } });
const conditions = values.hog ? ['nice 0', 'nice 10', 'nice 0, hog', 'nice 10, hog'] : ['nice 0', 'nice 10'];
const ms = new Map<string, number[]>(conditions.map((c) => [c, []]));

async function boot(c: string, round: number): Promise<void> {
  const hog = c.endsWith('hog') ? new AbortController() : undefined;
  const running = hog !== undefined ? runTool(process.execPath, ['-e', 'for (;;) {}'], { signal: hog.signal, what: 'CPU hog' }).catch(() => undefined) : undefined;
  try {
    const { outcome } = await bootOnce(spec, { hypervisor: hv(c.startsWith('nice 10') ? 10 : 0) });
    if (outcome.status !== 'ready') throw new Error(`${c}, boot ${round}: ${outcome.status} (${outcome.reason})`);
    ms.get(c)!.push(outcome.durationMs);
    process.stdout.write(`  round ${round}, ${c}: ${(outcome.durationMs / 1000).toFixed(2)} s\n`);
  } finally {
    hog?.abort();
    await running;
  }
}

const load0 = loadavg()[0]!;
try {
  for (let r = 1; r <= runs; r++) for (const c of r % 2 === 0 ? [...conditions].reverse() : conditions) await boot(c, r);
  process.stdout.write(`burstable tiny VM (1 vCPU, TCG), median boot to ready over ${runs} round(s); load ${load0.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end:\n`);
  for (const c of conditions) process.stdout.write(`  ${c.padEnd(13)} ${(percentile([...ms.get(c)!].sort((a, b) => a - b), 50) / 1000).toFixed(2)} s\n`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
