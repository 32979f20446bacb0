// The anomaly detector on the Numenta Anomaly Benchmark (src/monitor): the three NAB
// profile scores, the detector's cost per point over the 58 series, the wall time of the
// whole evaluation (read, detect, score), and the steady-state cost on one long stream.
// Prints figures; asserts nothing. Run: node bench/nab.ts [NAB folder]
import { createDetector, evaluateNab } from '../src/monitor/index.ts';
import { seededRandom } from '../src/core/index.ts';
import { sharedPath } from '../testkit/index.ts';

const out = (s: string): void => void process.stdout.write(`${s}\n`);
const folder = process.argv[2] ?? sharedPath('corpus', 'nab');

if (folder === undefined) {
  out('NAB corpus: ../shared/corpus/nab is absent; pass a NAB folder (holding data/ and labels/) to score it');
} else {
  const t = performance.now();
  const r = evaluateNab(folder, { detector: 'bootmedic', make: (p) => createDetector(p) });
  const wall = (performance.now() - t) / 1000;
  out(`NAB ${r.series} series, ${r.windows} windows, ${r.points} points: standard ${r.standard.toFixed(1)}, reward low FP ${r.rewardLowFP.toFixed(1)}, reward low FN ${r.rewardLowFN.toFixed(1)}`);
  out(`detector ${r.usPerPoint.toFixed(2)} µs/point over the corpus (first pass, cold); whole evaluation ${wall.toFixed(1)} s wall`);
}

// Steady state: one detector fed a long noisy stream after its probation.
const rnd = seededRandom(1);
const d = createDetector(750);
const n = 2_000_000;
for (let i = 0; i < 750; i++) d.push(i, 50 + 10 * rnd());
const t = performance.now();
let alarms = 0;
for (let i = 0; i < n; i++) if (d.push(i, 50 + 10 * rnd() + (i % 100_000 === 0 ? 1000 : 0)) > 0) alarms++;
const us = ((performance.now() - t) * 1000) / n;
out(`steady state: ${us.toFixed(3)} µs/point over ${n} points (${alarms} alarms); 10,000 series at one point per second each cost ${((us * 10_000) / 1e6 * 100).toFixed(2)}% of a core`);
