// The noisy-neighbour figure of the resource guard: boot time of a guaranteed tiny VM alone,
// then with CPU hogs beside it (busy loops, one per host CPU by default), as a ratio. With
// cgroup v2 QoS available the guaranteed VM's cgroup (cpu.weight 1000 vs the hogs' 100)
// should keep the ratio near 1; where it is not, the probe's reason is printed and the
// figure shows what an unguarded host does.
// Usage: node bench/noisy-neighbour.ts [--runs N] [--hogs N] [--home DIR]
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentile } from '../src/boot/index.ts';
import { resolveAppConfig } from '../src/config/index.ts';
import { runTool } from '../src/core/index.ts';
import { guestSource } from '../src/guest/index.ts';
import { createQemuHypervisor } from '../src/hypervisor/index.ts';
import { createResourceGuard } from '../src/resources/index.ts';
import { bootOnce, exampleSpec } from '../testkit/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, hogs: { type: 'string' }, home: { type: 'string' } } });
const runs = Number(values.runs);
const hogs = Number(values.hogs ?? availableParallelism());
const home = values.home ?? mkdtempSync(join(tmpdir(), 'bm-bench-nn-'));
const app = resolveAppConfig({ home });
const notices: string[] = [];
const guard = createResourceGuard({ home, ...(app.cgroupRoot === undefined ? {} : { cgroupRoot: app.cgroupRoot }), notice: (l) => notices.push(l) });
const hv = createQemuHypervisor(app, { guests: guestSource(app), guard });
const spec = exampleSpec('tiny.yaml', home, { stallSeconds: 600, over: { name: 'nn-guaranteed', qos: 'guaranteed', cpus: 1 } });

async function boots(label: string): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { outcome } = await bootOnce(spec, { hypervisor: hv });
    if (outcome.status !== 'ready') throw new Error(`${label} boot ${i + 1}: ${outcome.status} (${outcome.reason})`);
    ms.push(outcome.durationMs);
    process.stdout.write(`  ${label} boot ${i + 1}: ${(outcome.durationMs / 1000).toFixed(2)} s\n`);
  }
  return ms.sort((a, b) => a - b);
}

const probe = guard.cgroup();
process.stdout.write(`cgroup v2 QoS: ${probe.type === 'available' ? `available at ${probe.root}` : `not available here: ${probe.why}`}\n`);
try {
  const quiet = await boots('alone');
  const stop = new AbortController();
  // The hogs run in their own process group through the host-tool runner, and are reaped on abort.
  const running = Array.from({ length: hogs }, () => runTool(process.execPath, ['-e', 'for (;;) {}'], { signal: stop.signal, what: 'CPU hog' }).catch(() => undefined));
  let noisy: number[];
  try {
    noisy = await boots(`beside ${hogs} CPU hog${hogs === 1 ? '' : 's'}`);
  } finally {
    stop.abort();
    await Promise.all(running);
  }
  const q = percentile(quiet, 50);
  const n = percentile(noisy, 50);
  for (const l of notices) process.stdout.write(`${l}\n`);
  process.stdout.write(`guaranteed tiny VM, median boot to ready: alone ${(q / 1000).toFixed(2)} s, beside ${hogs} hog(s) ${(n / 1000).toFixed(2)} s, ratio ${(n / q).toFixed(2)}×\n`);
} finally {
  if (values.home === undefined) rmSync(home, { recursive: true, force: true });
}
