// The measured part of bench/signatures.ts, run in its own process: streams one file
// through the line splitter and the signature engine and prints one JSON object with
// throughput, memory and findings. Run by bench/signatures.ts (which documents how).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { createLineSplitter } from '../src/console/index.ts';
import { createSignatureEngine } from '../src/signatures/index.ts';

const [file, chunkArg, baselineArg, skipArg, sourceArg] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: signatures-stream <file> [chunk-bytes] [baseline 0|1] [skipper 0|1] [file|pipe]');
const chunk = Number(chunkArg ?? 256 * 1024);

// Reference on the same machine and file: UTF-8 decoding and newline search only. On a
// shared machine absolute MB/s move with the load; the ratio to this floor does not.
async function baseline(): Promise<number> {
  const td = new TextDecoder();
  let n = 0;
  let b = 0;
  const c0 = process.cpuUsage();
  for await (const c of createReadStream(file!, { highWaterMark: chunk })) {
    const s = td.decode(c as Buffer, { stream: true });
    b += (c as Buffer).length;
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  }
  const c = process.cpuUsage(c0);
  return n >= 0 ? b / (1024 * 1024) / ((c.user + c.system) / 1e6) : 0;
}

const counts: Record<string, number> = {};
let lines = 0;
let bytes = 0;
const engine = createSignatureEngine();
const count = (fs: readonly { family: string }[]) => {
  for (const f of fs) counts[f.family] = (counts[f.family] ?? 0) + 1;
};
// The engine's skipper lets the splitter pass over lines that cannot match (analyzeLog and
// analyzeStream do the same); --all-lines in the parent turns it off for comparison.
const splitter = createLineSplitter({ onLine: (l) => count(engine.push(l)), onPartial: (t, at) => count(engine.partial(t, at)), now: () => 0, ...(skipArg === '0' ? {} : { skipper: engine.skipper }) });
const rssStart = process.memoryUsage().rss;
const heapStart = process.memoryUsage().heapUsed;
let rssPeak = rssStart;
let heapPeak = heapStart;
let chunks = 0;
const cpu0 = process.cpuUsage();
const thread0 = process.threadCpuUsage();
const t0 = performance.now();
// "file": the log is read with fs.createReadStream (reads of `chunk` bytes on libuv's
// thread pool, charged to this process). "pipe": `cat` writes it into a pipe and this
// process reads the pipe on its main thread, as a supervisor reads a QEMU console (a
// Linux pipe hands over at most 64 KiB at once; writing it is cat's CPU, not ours).
const cat = sourceArg === 'pipe' ? spawn('cat', [file], { stdio: ['ignore', 'pipe', 'inherit'] }) : undefined;
const catExit = cat === undefined ? undefined : once(cat, 'close');
const input = cat === undefined ? createReadStream(file, { highWaterMark: chunk }) : cat.stdout!;
for await (const c of input) {
  bytes += (c as Buffer).length;
  splitter.push(c as Buffer);
  // RSS is sampled every 16 reads (1 MiB): often enough to see the peak of a steady
  // state. The heap is sampled every 256 reads: process.memoryUsage() walks every heap
  // space and cost ~3 % of the measured CPU time when it ran every 16 reads.
  if (++chunks % 16 === 0) {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
    if (chunks % 256 === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
}
splitter.end();
count(engine.end());
if (catExit !== undefined) {
  const [code] = await catExit;
  if (code !== 0) throw new Error(`cat exited with ${code}`);
}
lines = splitter.lines;
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const thread = process.threadCpuUsage(thread0);
const result = {
  bytes, lines, wall, cpu: (cpu.user + cpu.system) / 1e6, threadCpu: (thread.user + thread.system) / 1e6,
  rssStart, rssPeak, heapStart, heapPeak, maxRss: process.resourceUsage().maxRSS * 1024,
  baseline: baselineArg === '0' ? undefined : await baseline(),
  counts,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
