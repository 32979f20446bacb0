// Signature-engine throughput: builds a large console log that mixes good boots and
// failed ones (real consoles from ../shared/corpus when present, else a built-in sample),
// streams it from disk through the line splitter and the engine, and prints MB/s per
// core and peak memory. Run by hand:
//   node bench/signatures.ts [--size-mb 1024] [--keep] [--no-baseline]
// Targets (issue 3): >= 100 MB/s per core on a 1 GB log, peak RSS < 100 MB.
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sharedPath } from '../testkit/shared.ts';
import { createLineSplitter } from '../src/console/index.ts';
import { createSignatureEngine } from '../src/signatures/index.ts';

// The engine's memory is its window, but V8 grows its heap lazily when allocation is fast;
// the bench runs itself with a bounded heap (the size a supervisor process would use) so
// that RSS shows what the engine needs rather than how lazy the collector may be.
if (!process.execArgv.some((a) => a.startsWith('--max-old-space-size'))) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=48', '--max-semi-space-size=2', ...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const { values } = parseArgs({ options: { 'size-mb': { type: 'string', default: '1024' }, keep: { type: 'boolean', default: false }, 'no-baseline': { type: 'boolean', default: false } } });
const sizeMb = Number(values['size-mb']);
const out = (s: string) => process.stdout.write(`${s}\n`);

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

// Reference on the same machine and file: UTF-8 decoding and newline search only. On a
// shared machine absolute MB/s move with the load; the ratio to this floor does not.
async function baseline(): Promise<number> {
  const td = new TextDecoder();
  let n = 0;
  let b = 0;
  const c0 = process.cpuUsage();
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const s = td.decode(chunk as Buffer, { stream: true });
    b += (chunk as Buffer).length;
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  }
  const c = process.cpuUsage(c0);
  return n >= 0 ? b / (1024 * 1024) / ((c.user + c.system) / 1e6) : 0;
}

const counts = new Map<string, number>();
let lines = 0;
let bytes = 0;
const engine = createSignatureEngine();
const count = (fs: { family: string }[]) => {
  for (const f of fs) counts.set(f.family, (counts.get(f.family) ?? 0) + 1);
};
const splitter = createLineSplitter({ onLine: (l) => { lines++; count(engine.push(l)); }, onPartial: (t, at) => count(engine.partial(t, at)), now: () => 0 });
const rssStart = process.memoryUsage().rss;
let rssPeak = rssStart;
let heapPeak = 0;
let chunks = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
  bytes += (chunk as Buffer).length;
  splitter.push(chunk as Buffer);
  if (++chunks % 16 === 0) {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }
}
splitter.end();
count(engine.end());
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
const mb = bytes / (1024 * 1024);
const MB = 1024 * 1024;
out(`processed:  ${mb.toFixed(0)} MB, ${lines.toLocaleString('en-US')} lines in ${wall.toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU`);
out(`throughput: ${(mb / cpuS).toFixed(0)} MB/s per core (MB per CPU-second, one thread; ${(mb / wall).toFixed(0)} MB/s wall)`);
if (!values['no-baseline']) {
  const base = await baseline();
  out(`reference:  ${base.toFixed(0)} MB/s per core for UTF-8 decoding + newline search alone (engine at ${((mb / cpuS / base) * 100).toFixed(0)}% of it)`);
}
out(`memory:     RSS ${(rssStart / MB).toFixed(0)} MB before streaming, peak ${(rssPeak / MB).toFixed(0)} MB while streaming (heap used peak ${(heapPeak / MB).toFixed(0)} MB); process peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB incl. start-up (target < 100 MB)`);
out(`findings:   ${[...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
if (values.keep) out(`kept ${file}`);
else rmSync(dir, { recursive: true, force: true });
