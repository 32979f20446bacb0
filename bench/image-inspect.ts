// Speed of `bootmedic image inspect` on a 1 GiB disk image (the Debian guest's size).
// usage: node bench/image-inspect.ts [disk]   (without a disk, builds a synthetic 1 GiB
// GPT + FAT32 ESP + ext4 image with a 30 MB zstd initrd, like the Debian guest's)
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { inspectImage } from '../src/image/index.ts';
import { buildTestImage } from '../testkit/index.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
/** CPU milliseconds used by this process plus its reaped children (debugfs, zstd), from /proc/self/stat. */
function cpuMs(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    children = ((Number(f[13]) + Number(f[14])) * 1000) / 100; // cutime + cstime, in USER_HZ (100)
  } catch {
    children = 0;
  }
  return (own.user + own.system) / 1000 + children;
}
const cpu: number[] = [];
function timeIt(fn: () => void, runs: number): number[] {
  const out: number[] = [];
  cpu.length = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
  }
  return out;
}

const given = process.argv[2];
const built = given === undefined ? buildTestImage({ espMiB: 128, rootMiB: 880, initrdPayloadMiB: 60, initrdCompression: 'zstd' }) : undefined;
const disk = given ?? built!.path;
const overlay = join(built?.dir ?? '/tmp', `bench-overlay-${process.pid}.qcow2`);
try {
  const c = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', disk, '-F', 'raw', overlay]);
  if (c.status !== 0) throw new Error(`qemu-img create: ${c.stderr}`);
  const first = inspectImage(disk, { qemuImgCheck: false });
  if (!first.report.ok) process.stdout.write(`note: the image has problems: ${first.report.checks.filter((x) => x.status === 'problem').map((x) => x.name).join(', ')}\n`);
  const raw = timeIt(() => inspectImage(disk, { qemuImgCheck: false }), 5);
  const rawCpu = median(cpu);
  const q = timeIt(() => inspectImage(overlay, { qemuImgCheck: false }), 5);
  const qCpu = median(cpu);
  const check = timeIt(() => spawnSync('qemu-img', ['check', '--output=json', overlay]), 3);
  const size = first.facts.size;
  process.stdout.write(`machine: ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  process.stdout.write(`image: ${given ?? 'synthetic'} (${(size / 2 ** 30).toFixed(2)} GiB, ${first.report.checks.length} checks)\n`);
  process.stdout.write(`inspect raw, no qemu-img check:          median ${median(raw).toFixed(0)} ms (runs: ${raw.map((x) => x.toFixed(0)).join(', ')}); CPU ${rawCpu.toFixed(0)} ms incl. tools\n`);
  process.stdout.write(`inspect qcow2 overlay, no qemu-img check: median ${median(q).toFixed(0)} ms (runs: ${q.map((x) => x.toFixed(0)).join(', ')}); CPU ${qCpu.toFixed(0)} ms incl. tools\n`);
  process.stdout.write(`qemu-img check of the overlay alone:      median ${median(check).toFixed(0)} ms\n`);
  process.stdout.write(`target: under 1000 ms excluding qemu-img check → wall ${median(raw) < 1000 ? 'met' : 'NOT met'}, CPU ${rawCpu < 1000 ? 'met' : 'NOT met'} (raw; wall time depends on the machine's load)\n`);
} finally {
  rmSync(overlay, { force: true });
  if (built !== undefined) rmSync(built.dir, { recursive: true, force: true });
}
