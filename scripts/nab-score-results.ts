// Scores detectors' results files in NAB's layout with our NAB scorer, to check it against
// NAB's published figures: node scripts/nab-score-results.ts <nab-folder> <results-folder> <detector>...
// <results-folder>/<detector>/<group>/<detector>_<file>.csv must hold an anomaly_score column
// (NAB's own results/ folder, or what `bootmedic eval nab --out` writes).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNabCorpus, scoreNab } from '../src/monitor/index.ts';

const [folder, results, ...detectors] = process.argv.slice(2);
if (folder === undefined || results === undefined || detectors.length === 0) {
  process.stderr.write('usage: node scripts/nab-score-results.ts <nab-folder> <results-folder> <detector>...\n');
  process.exit(64);
}
const corpus = loadNabCorpus(folder);
for (const det of detectors) {
  const series = corpus.series.map((s) => {
    const [group, file] = s.name.split('/') as [string, string];
    const lines = readFileSync(join(results, det, group, `${det}_${file}`), 'utf8').trim().split('\n');
    const col = lines[0]!.split(',').indexOf('anomaly_score');
    if (col < 0 || lines.length - 1 !== s.values.length) throw new Error(`${det}/${s.name}: no anomaly_score column or ${lines.length - 1} rows, not ${s.values.length}`);
    return { scores: lines.slice(1).map((l) => Number(l.split(',')[col])), windows: s.windows };
  });
  const r = scoreNab(series, corpus.windows);
  process.stdout.write(`${det.padEnd(20)} standard ${r.standard.score.toFixed(3)}  reward low FP ${r.rewardLowFP.score.toFixed(3)}  reward low FN ${r.rewardLowFN.score.toFixed(3)}\n`);
}
