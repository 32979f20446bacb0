// Long fuzzing runs of the parsers (the CI runs a fixed, short budget of the same targets,
// in the *.fuzz.test.ts files beside them). For each parser it prints the runs, the inputs
// refused with a catalogued error, any failure (its seed and a shrunk counterexample),
// the slowest time per byte, the growth of time from n to 4n bytes of an adversarial input
// (about 4 is linear, 16 quadratic), and the process's peak RSS.
// usage: node bench/fuzz.ts --parser NAME|all [--minutes N] [--seed S] [--list]
// Targets import parser internals directly: a bench, like a test, may look inside a part.
import { parseArgs } from 'node:util';
import { fuzzFor, growthRatio } from '../testkit/fuzz.ts';
import { allFuzzTargets } from '../testkit/fuzz-targets.ts';

const { values } = parseArgs({
  options: { parser: { type: 'string', default: 'all' }, minutes: { type: 'string', default: '1' }, seed: { type: 'string' }, list: { type: 'boolean', default: false } },
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
const minutes = Number(values.minutes);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!(minutes > 0) || !Number.isSafeInteger(seed)) {
  process.stderr.write('bench/fuzz: --minutes must be a positive number and --seed an integer\n');
  process.exit(64);
}

let failed = 0;
process.stdout.write(`fuzz: ${chosen.length} parser(s), ${minutes} min each, seed ${seed}\n`);
for (const t of chosen) {
  const r = fuzzFor(t, { seed, timeMs: minutes * 60_000 });
  const g = growthRatio(t, 256 * 1024);
  const rss = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${t.name.padEnd(12)} runs ${String(r.runs).padStart(8)}  refused ${String(r.refused).padStart(7)}  ` +
      `worst ${r.worstBytes === 0 ? 'n/a (no input of 1 KiB)' : `${r.worstNsPerByte.toFixed(1)} ns/byte (${r.worstBytes} bytes)`}, slowest input ${r.worstMs.toFixed(1)} ms  ` +
      `${g === undefined ? '' : `time 4n/n ${g.ratio.toFixed(1)} (${g.msAtN.toFixed(2)} → ${g.msAt4N.toFixed(2)} ms at 256 KiB → 1 MiB)  `}` +
      `peak RSS ${rss.toFixed(0)} MB  ${r.failure === undefined ? 'no failure' : 'FAILED'}\n`,
  );
  if (r.failure !== undefined) {
    failed++;
    process.stdout.write(`  seed ${r.failure.seed}, path ${r.failure.path}\n  counterexample: ${r.failure.counterexample}\n  ${r.failure.error.replace(/\n/g, '\n  ')}\n`);
  }
}
process.exit(failed === 0 ? 0 : 1);
