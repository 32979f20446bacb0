// Runs on the NAB copy in ../shared/corpus/nab (58 series, MIT; not in the repo) and skips
// with a message when it is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedPath, skipWithout } from '../../../testkit/index.ts';
import { seededRandom } from '../../core/index.ts';
import { createDetector } from '../anomaly/detector.ts';
import { loadNabCorpus } from './corpus.ts';
import { evaluateNab } from './evaluate.ts';
import { scoreNab } from './score.ts';

const nab = sharedPath('corpus', 'nab');
const skip = skipWithout(nab, 'corpus/nab');

test('the NAB copy has 58 series and 116 windows, and the null detector scores 0', { skip }, () => {
  const c = loadNabCorpus(nab!);
  assert.equal(c.series.length, 58);
  assert.equal(c.windows, 116);
  const r = scoreNab(c.series.map((s) => ({ scores: new Float64Array(s.values.length), windows: s.windows })), c.windows);
  // NAB's published null baselines (config/thresholds.json): -116, -116, -232.
  assert.equal(r.standard.nullRaw, -116);
  assert.equal(r.rewardLowFP.nullRaw, -116);
  assert.equal(r.rewardLowFN.nullRaw, -232);
  assert.equal(r.standard.score, 0);
});

test('a random detector scores near NAB\'s published random baseline (11.0 / 1.2 / 19.5, mean over seeds)', { skip }, () => {
  const c = loadNabCorpus(nab!);
  const sums = { standard: 0, rewardLowFP: 0, rewardLowFN: 0 };
  const seeds = [1, 2, 3, 4];
  for (const seed of seeds) {
    const rnd = seededRandom(seed);
    const r = scoreNab(c.series.map((s) => ({ scores: Float64Array.from(s.values, () => rnd()), windows: s.windows })), c.windows);
    sums.standard += r.standard.score;
    sums.rewardLowFP += r.rewardLowFP.score;
    sums.rewardLowFN += r.rewardLowFN.score;
  }
  const mean = (x: number) => x / seeds.length;
  // Seeds spread a single run by several points (measured 5.6..16.8 standard); the means
  // must sit in a band around the published figures.
  assert.ok(mean(sums.standard) > 5 && mean(sums.standard) < 20, `standard ${mean(sums.standard)}`);
  assert.ok(mean(sums.rewardLowFP) >= 0 && mean(sums.rewardLowFP) < 6, `low FP ${mean(sums.rewardLowFP)}`);
  assert.ok(mean(sums.rewardLowFN) > 12 && mean(sums.rewardLowFN) < 30, `low FN ${mean(sums.rewardLowFN)}`);
});

test('the bootmedic detector keeps its measured NAB scores (75.3 / 66.9 / 80.1, less 0.5)', { skip }, () => {
  const r = evaluateNab(nab!, { detector: 'bootmedic', make: (p) => createDetector(p) });
  assert.equal(r.series, 58);
  assert.ok(r.standard >= 74.8, `standard ${r.standard}`);
  assert.ok(r.rewardLowFP >= 66.4, `reward low FP ${r.rewardLowFP}`);
  assert.ok(r.rewardLowFN >= 79.6, `reward low FN ${r.rewardLowFN}`);
});
