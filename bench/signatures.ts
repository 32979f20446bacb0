// Signature-engine throughput: builds a large console log that mixes good boots and
// failed ones (real consoles from ../shared/corpus when present, else a built-in sample),
// streams it from disk through the line splitter and the engine, and prints MB/s per
// core and memory. Run by hand:
//   node bench/signatures.ts [--size-mb 1024] [--keep] [--no-baseline] [--ts] [--chunk-kb 64] [--all-lines] [--pipe]
// Targets (issue 3): >= 100 MB/s per core on a 1 GB log, peak RSS < 100 MB.
//
// How memory is measured. The streaming runs in a child process (bench/signatures-stream.ts)
// with a bounded heap (--max-old-space-size=48 --max-semi-space-size=2: the size a
// supervisor process would use), so that RSS shows what the engine needs rather than how
// lazy the collector may be. Node 24 runs .ts through its type stripper, whose
// WebAssembly memory grows while it strips the engine's modules (about 55 MB of RSS that
// a deployed, compiled build never has); so by default this bench strips the types of
// the streaming script's module graph itself (node:module stripTypeScriptTypes, the same
// stripper, done in this parent process) and runs the child on the resulting plain .js.
// --ts runs the child on the .ts sources instead. Either way it prints the child's RSS
// before streaming, its peak while streaming, the growth between them, the V8 heap used,
// and the child's whole-life peak RSS. Reads are 64 KiB by default, what a Linux pipe
// (a QEMU chardev's console) hands over at most at once. By default the child reads the
// file with fs.createReadStream (libuv's thread pool does the reads, in the child's CPU);
// --pipe has `cat` write the file into a pipe that the child reads on its main thread,
// which is how a supervisor gets a QEMU console (cat's own CPU is not counted).
//
// Throughput is bytes per CPU-second of the streaming child, the figure that moves least
// with other work on the machine, in two forms: the main thread's CPU time
// (process.threadCpuUsage(): the one thread that splits and matches, "MB/s per core") and
// the whole process's (process.cpuUsage(): also the file reads done on libuv's thread
// pool and V8's helper threads). Wall MB/s and the load average before and after are
// printed beside them. The child wires the engine's skipper into the splitter, as
// analyzeLog/analyzeStream do (lines that cannot match are not built); --all-lines sends
// every line through engine.push() instead, as the supervisor does.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sharedPath } from '../testkit/index.ts';

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '1024' }, keep: { type: 'boolean', default: false }, 'no-baseline': { type: 'boolean', default: false }, ts: { type: 'boolean', default: false }, 'chunk-kb': { type: 'string', default: '64' }, 'all-lines': { type: 'boolean', default: false }, pipe: { type: 'boolean', default: false } } });
const sizeMb = Number(values['size-mb']);
const out = (s: string) => process.stdout.write(`${s}\n`);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// A boot that needs no shared/: firmware, GRUB, kernel, a panic on every third copy.
const SAMPLE_GOOD = ['SeaBIOS (version 1.16.2)', 'Booting from Hard Disk...', 'Welcome to GRUB!', 'Loading Linux 6.1.0 ...',
  ...Array.from({ length: 300 }, (_, i) => `[    ${(i / 100).toFixed(6)}] pci 0000:00:0${i % 9}.0: [8086:29c0] type 00 class 0x060000 step ${i}`),
  '[    1.000000] Run /init as init process', 'Loading, please wait...', 'Begin: Running /scripts/init-bottom ... done.',
  'systemd[1]: Detected virtualization qemu.', '[  OK  ] Reached target multi-user.target - Multi-User System.', 'vm login: '].join('\r\n') + '\r\n';
const SAMPLE_BAD = SAMPLE_GOOD.replace('[    1.000000] Run /init as init process', '[    1.000000] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)');

function sources(): { name: string; bytes: Uint8Array }[] {
  const dirs = [['corpus', 'real-boot-failures'], ['corpus', 'kernelci-logspec-boot', 'logs'], ['corpus', 'lava-kernel-messages', 'logs']];
  const got: { name: string; bytes: Uint8Array }[] = [];
  for (const d of dirs) {
    const p = sharedPath(...d);
    if (p === undefined) continue;
    for (const f of readdirSync(p).sort()) if (f.endsWith('.log') || f.endsWith('.txt')) got.push({ name: f, bytes: readFileSync(join(p, f)) });
  }
  if (got.length > 0) return got;
  const enc = new TextEncoder();
  return [{ name: 'sample-good', bytes: enc.encode(SAMPLE_GOOD) }, { name: 'sample-good', bytes: enc.encode(SAMPLE_GOOD) }, { name: 'sample-panic', bytes: enc.encode(SAMPLE_BAD) }];
}

const dir = mkdtempSync(join(tmpdir(), 'bootmedic-bench-signatures-'));
const file = join(dir, 'mixed-console.log');
const src = sources();
const target = sizeMb * 1024 * 1024;
out(`signatures bench (node ${process.execArgv.join(' ')}): ${sizeMb} MB log from ${src.length} consoles (${sharedPath('corpus') === undefined ? 'built-in sample' : '../shared/corpus'}), ${file}`);
{
  // Written streamed: one source at a time, never the whole log in memory.
  const fd = openSync(file, 'w');
  let written = 0;
  for (let i = 0; written < target; i++) {
    const s = src[i % src.length]!;
    writeSync(fd, s.bytes);
    written += s.bytes.length;
  }
  closeSync(fd);
}

/** Copies the module graph of `entry` into `into` as plain JavaScript (types stripped, `.ts` imports renamed), with the data files beside it. */
function compileGraph(entry: string, into: string): string {
  const seen = new Set<string>();
  const dirs = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    dirs.add(dirname(f));
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+\.ts)'/g)) todo.push(resolve(dirname(f), m[1]!));
    const js = stripTypeScriptTypes(src, { mode: 'strip' }).replace(/((?:from|import)\s*\(?\s*'\.{1,2}\/[^']+)\.ts'/g, "$1.js'");
    const target = join(into, relative(repo, f)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  // Data the modules load by URL beside themselves (kb/*.json, linux-oopses.yaml).
  for (const d of dirs) {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const from = join(d, e.name);
      if (e.isDirectory() && !readdirSync(from).some((n) => n.endsWith('.ts'))) {
        mkdirSync(join(into, relative(repo, from)), { recursive: true });
        for (const n of readdirSync(from)) writeFileSync(join(into, relative(repo, from), n), readFileSync(join(from, n)));
      } else if (e.isFile() && !e.name.endsWith('.ts')) {
        writeFileSync(join(into, relative(repo, from)), readFileSync(from));
      }
    }
  }
  writeFileSync(join(into, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(repo, 'node_modules'), join(into, 'node_modules'));
  return join(into, relative(repo, entry)).replace(/\.ts$/, '.js');
}

const entry = join(repo, 'bench', 'signatures-stream.ts');
const script = values.ts ? entry : compileGraph(entry, join(dir, 'js'));
const flags = ['--max-old-space-size=48', '--max-semi-space-size=2', ...process.execArgv];
const load0 = loadavg();
const run = spawnSync(process.execPath, [...flags, script, file, String(Number(values['chunk-kb']) * 1024), values['no-baseline'] ? '0' : '1', values['all-lines'] ? '0' : '1', values.pipe ? 'pipe' : 'file'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
if (run.status !== 0) {
  out(`the streaming child failed (exit ${run.status ?? run.signal})`);
  process.exit(1);
}
type Result = { bytes: number; lines: number; wall: number; cpu: number; threadCpu: number; rssStart: number; rssPeak: number; heapStart: number; heapPeak: number; maxRss: number; baseline?: number; counts: Record<string, number> };
const r = JSON.parse(run.stdout) as Result;
const MB = 1024 * 1024;
const mb = r.bytes / MB;
const load1 = loadavg();
out(`child:      node ${flags.join(' ')} ${values.ts ? 'on the .ts sources (type stripper loaded)' : 'on plain .js (types stripped by this bench)'}, ${values.pipe ? 'reads from a pipe that cat fills (at most 64 KiB each, on the main thread)' : `file reads of ${values['chunk-kb']} KiB on the thread pool`}, ${values['all-lines'] ? 'every line through engine.push()' : "the engine's skipper in the splitter"}`);
out(`load:       1-minute load average ${load0[0]!.toFixed(2)} before the child, ${load1[0]!.toFixed(2)} after (${availableParallelism()} cores here: above that, the child shared its core and wall MB/s understates)`);
out(`processed:  ${mb.toFixed(0)} MB, ${r.lines.toLocaleString('en-US')} lines in ${r.wall.toFixed(1)} s wall, ${r.threadCpu.toFixed(2)} s CPU on the main thread, ${r.cpu.toFixed(2)} s CPU in the whole process`);
out(`throughput: ${(mb / r.threadCpu).toFixed(0)} MB/s per core (MB per CPU-second of the main thread, which does all the splitting and matching); ${(mb / r.cpu).toFixed(0)} MB/s per CPU-second of the whole process (reads and GC helpers included); ${(mb / r.wall).toFixed(0)} MB/s wall`);
if (r.baseline !== undefined) out(`reference:  ${r.baseline.toFixed(0)} MB/s per process CPU-second for UTF-8 decoding + newline search alone (the engine's process figure is ${((mb / r.cpu / r.baseline) * 100).toFixed(0)}% of it)`);
out(`memory:     RSS ${(r.rssStart / MB).toFixed(0)} MB before streaming (Node, modules, KB), peak ${(r.rssPeak / MB).toFixed(0)} MB while streaming (+${((r.rssPeak - r.rssStart) / MB).toFixed(0)} MB); heap used ${(r.heapStart / MB).toFixed(0)} MB before, peak ${(r.heapPeak / MB).toFixed(0)} MB; child's whole-life peak RSS ${(r.maxRss / MB).toFixed(0)} MB (target < 100 MB)`);
out(`findings:   ${Object.entries(r.counts).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
if (values.keep) out(`kept ${file}`);
else rmSync(dir, { recursive: true, force: true });
