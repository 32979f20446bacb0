// Long fuzzing runs of the parsers (the CI runs a fixed, short budget of the same targets,
// in the *.fuzz.test.ts files beside them). For each parser it prints the runs, the inputs
// refused with a catalogued error, any failure (its seed and a shrunk counterexample),
// the slowest time per byte, the growth of time from n to 4n bytes of an adversarial input
// (about 4 is linear, 16 quadratic), the live memory between chunks (after a full
// collection: memory that keeps growing fails the run), and the process's peak RSS.
// usage: node bench/fuzz.ts --parser NAME|all [--minutes N] [--cpu] [--seed S] [--list]
// --cpu counts the minutes in this process's CPU time, so a run niced below other work
// (nice -n 19) still fuzzes each parser for that long.
// Targets import parser internals directly: a bench, like a test, may look inside a part.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fuzzFor, growthRatio } from '../testkit/index.ts';
import { allFuzzTargets } from '../testkit/fuzz-targets.ts';

const { values } = parseArgs({
  options: { parser: { type: 'string', default: 'all' }, minutes: { type: 'string', default: '1' }, seed: { type: 'string' }, cpu: { type: 'boolean', default: false }, list: { type: 'boolean', default: false }, 'growth-only': { type: 'boolean', default: false } },
});
const targets = allFuzzTargets;
if (values.list) {
  process.stdout.write(`${targets.map((t) => t.name).join('\n')}\n`);
  process.exit(0);
}
const chosen = values.parser === 'all' ? targets : targets.filter((t) => t.name === values.parser);
if (chosen.length === 0) {
  process.stderr.write(`bench/fuzz: no parser '${values.parser}'; one of: all, ${targets.map((t) => t.name).join(', ')}\n`);
  process.exit(64);
}
// The growth check runs in a fresh process per parser (this script with --growth-only):
// after minutes of fuzzing, the garbage of a large input meets a large heap, and the
// collector's work made linear parsers look superlinear.
if (values['growth-only']) {
  const g = growthRatio(chosen[0]!, 1024 * 1024);
  process.stdout.write(g === undefined ? '' : JSON.stringify(g));
  process.exit(0);
}
function growth(name: string): { ratio: number; msAtN: number; msAt4N: number } | undefined {
  const r = spawnSync(process.execPath, [process.argv[1]!, '--parser', name, '--growth-only'], { encoding: 'utf8', timeout: 600_000, killSignal: 'SIGKILL' });
  return r.status === 0 && r.stdout !== '' ? (JSON.parse(r.stdout) as { ratio: number; msAtN: number; msAt4N: number }) : undefined;
}
const minutes = Number(values.minutes);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!(minutes > 0) || !Number.isSafeInteger(seed)) {
  process.stderr.write('bench/fuzz: --minutes must be a positive number and --seed an integer\n');
  process.exit(64);
}

let failed = 0;
process.stdout.write(`fuzz: ${chosen.length} parser(s), ${minutes} min${values.cpu ? ' of CPU time' : ''} each, seed ${seed}\n`);
for (const t of chosen) {
  const wall0 = Date.now();
  const r = await fuzzFor(t, { seed, timeMs: minutes * 60_000, clock: values.cpu ? 'cpu' : 'wall' });
  const wallMin = (Date.now() - wall0) / 60_000;
  // From 1 MiB: below, a run's garbage stays in V8's young generation and the first
  // step up looks superlinear for any parser that builds strings.
  const g = t.grow === undefined ? undefined : growth(t.name);
  const rss = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${t.name.padEnd(12)} runs ${String(r.runs).padStart(8)}  refused ${String(r.refused).padStart(7)}  ` +
      `worst ${r.worstBytes === 0 ? 'n/a (no input of 1 KiB)' : `${r.worstNsPerByte.toFixed(1)} ns/byte (${r.worstBytes} bytes)`}, slowest input ${r.worstMs.toFixed(1)} ms (most CPU for one input ${r.worstCpuMs.toFixed(1)} ms)  ` +
      `${g === undefined ? '' : `time 4n/n ${g.ratio.toFixed(1)} (${g.msAtN.toFixed(2)} → ${g.msAt4N.toFixed(2)} ms at 1 → 4 MiB)  `}` +
      `${values.cpu ? `wall ${wallMin.toFixed(1)} min  ` : ''}live ${r.live.firstMb.toFixed(0)} → ${r.live.lastMb.toFixed(0)} MB (max ${r.live.maxMb.toFixed(0)})  ` +
      `peak RSS ${rss.toFixed(0)} MB  ${r.failure !== undefined ? 'FAILED' : r.live.grew ? 'FAILED: live memory grew' : 'no failure'}\n`,
  );
  if (r.failure !== undefined || r.live.grew) failed++;
  if (r.failure !== undefined) {
    process.stdout.write(`  seed ${r.failure.seed}, path ${r.failure.path}\n  counterexample: ${r.failure.counterexample}\n  ${r.failure.error.replace(/\n/g, '\n  ')}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
