// The noisy-neighbour figure of the resource guard: boot time of a guaranteed tiny VM with
// and without a CPU hog beside it (busy loops, one per host CPU by default, in bootmedic's
// own cgroup: the root one on a host like the development machine), each with the QoS
// cgroup in force and without any placement (the same VM, a guard whose cgroup root does
// not exist). The four conditions take turns round by round, so that the machine's other
// load falls on all of them alike; the ratios (hog / no hog) come from the same run.
// Usage: node bench/noisy-neighbour.ts [--runs N] [--hogs N] [--home DIR]
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentile } from '../src/boot/index.ts';
import { resolveAppConfig } from '../src/config/index.ts';
import { runTool } from '../src/core/index.ts';
import { guestSource } from '../src/guest/index.ts';
import { createQemuHypervisor } from '../src/hypervisor/index.ts';
import { createResourceGuard } from '../src/resources/index.ts';
import { bootOnce, exampleSpec } from '../testkit/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, hogs: { type: 'string' }, home: { type: 'string' } } });
const runs = Number(values.runs);
const hogs = Number(values.hogs ?? availableParallelism());
const home = values.home ?? mkdtempSync(join(tmpdir(), 'bm-bench-nn-'));
const app = resolveAppConfig({ home });
const notices: string[] = [];
const guard = (cgroupRoot: string | undefined) => createResourceGuard({ home, ...(cgroupRoot === undefined ? {} : { cgroupRoot }), notice: (l) => notices.push(l) });
const placed = guard(app.cgroupRoot);
const hv = {
  placed: createQemuHypervisor(app, { guests: guestSource(app), guard: placed }),
  unplaced: createQemuHypervisor(app, { guests: guestSource(app), guard: guard(join(home, 'no-cgroup')) }),
};
// A name of this run's own: other bootmedics on the host keep their bootmedic/<vm> groups.
const spec = exampleSpec('tiny.yaml', home, { stallSeconds: 600, over: { name: `nn-guaranteed-${process.pid}`, qos: 'guaranteed', cpus: 1, accel: 'tcg' } });

type Condition = 'alone, cgroup' | 'alone, no cgroup' | 'hog, cgroup' | 'hog, no cgroup';
const ms: Record<Condition, number[]> = { 'alone, cgroup': [], 'alone, no cgroup': [], 'hog, cgroup': [], 'hog, no cgroup': [] };

async function boot(c: Condition, round: number): Promise<void> {
  const { outcome } = await bootOnce(spec, { hypervisor: c.endsWith('no cgroup') ? hv.unplaced : hv.placed });
  if (outcome.status !== 'ready') throw new Error(`${c}, boot ${round}: ${outcome.status} (${outcome.reason})`);
  ms[c].push(outcome.durationMs);
  process.stdout.write(`  round ${round}, ${c}: ${(outcome.durationMs / 1000).toFixed(2)} s\n`);
}

/** Runs `hogs` busy loops until `body` is done; they run through the host-tool runner and are reaped on abort. */
async function besideHogs(body: () => Promise<void>): Promise<void> {
  const stop = new AbortController();
  const running = Array.from({ length: hogs }, () => runTool(process.execPath, ['-e', 'for (;;) {}'], { signal: stop.signal, what: 'CPU hog' }).catch(() => undefined));
  try {
    await body();
  } finally {
    stop.abort();
    await Promise.all(running);
  }
}

const probe = placed.cgroup();
const where = probe.type === 'v2' ? `cgroup v2 at ${probe.root}` : probe.type === 'v1' ? `cgroup v1 (${probe.mounts.cpu}, ${probe.mounts.memory})` : `not available here: ${probe.why}`;
// /proc/self/cgroup: "id:controllers:path"; the cpu hierarchy's line (cgroup v1) or the unified "0::" one.
const lines = readFileSync('/proc/self/cgroup', 'utf8').trim().split('\n').map((l) => l.split(':'));
const ownCpu = (lines.find((f) => (f[1] ?? '').split(',').includes('cpu')) ?? lines.find((f) => f[0] === '0'))?.slice(1).join(':') ?? '?';
const load0 = loadavg();
process.stdout.write(`QoS cgroups: ${where}; the hogs run in this process's cgroup (${ownCpu}); load ${load0.map((l) => l.toFixed(2)).join(' ')}\n`);
try {
  for (let r = 1; r <= runs; r++) {
    await boot('alone, cgroup', r);
    await boot('alone, no cgroup', r);
    await besideHogs(async () => {
      await boot('hog, cgroup', r);
      await boot('hog, no cgroup', r);
    });
  }
  for (const l of new Set(notices)) process.stdout.write(`${l}\n`);
  const med = (c: Condition) => percentile([...ms[c]].sort((a, b) => a - b), 50);
  const s = (n: number) => `${(n / 1000).toFixed(2)} s`;
  process.stdout.write(`guaranteed tiny VM (1 vCPU, TCG), median boot to ready over ${runs} round(s), ${hogs} hog(s):\n`);
  for (const placement of ['cgroup', 'no cgroup'] as const) {
    const alone = med(`alone, ${placement}`);
    const noisy = med(`hog, ${placement}`);
    process.stdout.write(`  ${placement.padEnd(9)}: alone ${s(alone)}, beside the hog ${s(noisy)}, ratio ${(noisy / alone).toFixed(2)}×\n`);
  }
  process.stdout.write(`  beside the hog, no cgroup / cgroup: ${(med('hog, no cgroup') / med('hog, cgroup')).toFixed(2)}×; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
} finally {
  if (values.home === undefined) rmSync(home, { recursive: true, force: true });
}
