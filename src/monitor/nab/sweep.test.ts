import { test } from 'node:test';
import assert from 'node:assert/strict';
import { optimiseThreshold, probationLength, scaledSigmoid, scoreAt, sweepSeries } from './sweep.ts';
import { PROFILES } from './profiles.ts';
import { scoreNab } from './score.ts';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} is not ${b}`);

// 20 rows: rows 0-2 are probation (floor(0.15*20) = 3); one window over rows 10-14.
const WIN = [{ start: 10, end: 14 }];
function series(fire: Record<number, number>): Float64Array {
  const s = new Float64Array(20);
  for (const [i, v] of Object.entries(fire)) s[Number(i)] = v;
  return s;
}
// By hand: a detection at row i of the window sits at x = -(14 - i + 1)/5 and earns
// (2/(1+e^{5x}) - 1) / (2/(1+e^{-5}) - 1).
const MAX_TP = 2 / (1 + Math.exp(-5)) - 1;
const tpAt = (i: number) => (2 / (1 + Math.exp(5 * (-(14 - i + 1) / 5))) - 1) / MAX_TP;

test('probation is 15% of the rows, at most 750', () => {
  assert.equal(probationLength(20), 3);
  assert.equal(probationLength(4999), 749);
  assert.equal(probationLength(10_000), 750);
});

test('the scaled sigmoid is ~0.9866 at a window left edge, 0 at its right edge, -1 beyond 3 widths', () => {
  close(scaledSigmoid(-1), 0.9866142981514303, 'left edge');
  close(scaledSigmoid(0), 0, 'right edge');
  close(scaledSigmoid(0.5), -0.8482836399575131, 'half a width after');
  assert.equal(scaledSigmoid(3.01), -1);
});

test('a detection at the left edge of the only window earns 1; later ones earn less', () => {
  close(scoreAt(sweepSeries(series({ 10: 1 }), WIN), PROFILES.standard, 0.5), 1, 'left edge');
  close(scoreAt(sweepSeries(series({ 12: 1 }), WIN), PROFILES.standard, 0.5), tpAt(12), 'row 12');
  assert.equal(tpAt(12).toFixed(5), '0.91743', 'row 12 by hand');
  // Only the earliest detection in a window counts; later ones in it neither add nor cost.
  close(scoreAt(sweepSeries(series({ 11: 1, 12: 1, 14: 1 }), WIN), PROFILES.standard, 0.5), tpAt(11), 'best of three');
});

test('a missed window costs fnWeight, doubled in the reward-low-FN profile', () => {
  close(scoreAt(sweepSeries(series({}), WIN), PROFILES.standard, 0.5), -1, 'standard miss');
  close(scoreAt(sweepSeries(series({}), WIN), PROFILES.rewardLowFN, 0.5), -2, 'low-FN miss');
});

test('false alarms: -fpWeight before any window, less just after one, nothing in probation', () => {
  close(scoreAt(sweepSeries(series({ 5: 1, 10: 1 }), WIN), PROFILES.standard, 0.5), 1 - 0.11, 'before the window');
  close(scoreAt(sweepSeries(series({ 5: 1, 10: 1 }), WIN), PROFILES.rewardLowFP, 0.5), 1 - 0.22, 'low-FP profile');
  // Row 16 is 2 rows past the right edge; NAB divides by width - 1 = 4: x = 0.5.
  close(scoreAt(sweepSeries(series({ 10: 1, 16: 1 }), WIN), PROFILES.standard, 0.5), 1 + 0.11 * scaledSigmoid(0.5), 'after the window');
  close(scoreAt(sweepSeries(series({ 1: 1, 10: 1 }), WIN), PROFILES.standard, 0.5), 1, 'in probation');
});

test('the optimiser tries every score as a threshold and keeps the best', () => {
  // Thresholds: 1.1 → -1 (miss); 0.9 → -1 - 0.11 (miss and a false alarm); 0.8 → tp(12) - 0.11.
  const s = sweepSeries(series({ 5: 0.9, 12: 0.8 }), WIN);
  const best = optimiseThreshold([s], PROFILES.standard);
  assert.equal(best.threshold, 0.8);
  close(best.score, tpAt(12) - 0.11, 'best score');
  // With false alarms dearer than the window is worth, firing nowhere wins.
  const noisy = sweepSeries(series({ 3: 0.9, 4: 0.9, 5: 0.9, 6: 0.9, 7: 0.9, 8: 0.9, 9: 0.9, 14: 0.9 }), WIN);
  const none = optimiseThreshold([noisy], PROFILES.rewardLowFP);
  assert.equal(none.threshold, 1.1);
  close(none.score, -1, 'nothing detected');
});

test('one threshold serves the whole corpus: it is chosen on the sum over series', () => {
  // Series A gains from threshold 0.5; series B only from 0.9. Together 0.5 wins.
  const a = sweepSeries(series({ 10: 0.5 }), WIN);
  const b = sweepSeries(series({ 10: 0.9, 5: 0.5 }), WIN);
  const best = optimiseThreshold([a, b], PROFILES.standard);
  assert.equal(best.threshold, 0.5);
  close(best.score, 1 + 1 - 0.11, 'sum');
  close(scoreAt(a, PROFILES.standard, 0.5) + scoreAt(b, PROFILES.standard, 0.5), best.score, 'per-series shares add up');
});

test('normalisation: null scores 0, a perfect detector 100, on every profile', () => {
  // NAB's null detector writes 0.5 everywhere; on 100-row series firing everywhere costs
  // more than it gains, so the baseline is "every window missed".
  const W = [{ start: 50, end: 59 }];
  const long = (at?: number) => {
    const s = new Float64Array(100);
    if (at !== undefined) s[at] = 1;
    return s;
  };
  const perfect = scoreNab([{ scores: long(50), windows: W }, { scores: long(), windows: [] }]);
  const nothing = scoreNab([{ scores: long(), windows: W }, { scores: long(), windows: [] }]);
  for (const p of ['standard', 'rewardLowFP', 'rewardLowFN'] as const) {
    close(perfect[p].score, 100, `${p} perfect`);
    close(nothing[p].score, 0, `${p} null`);
    close(nothing[p].nullRaw, -PROFILES[p].fnWeight, `${p} null raw`);
  }
  // Half the windows caught at their left edge: (1 - 1 - (-2)) / (2 - (-2)) = 50 standard.
  const half = scoreNab([{ scores: long(50), windows: W }, { scores: long(), windows: W }]);
  close(half.standard.score, 50, 'half');
  close(half.rewardLowFN.score, (100 * (1 - 2 + 4)) / (2 + 4), 'half, low FN');
});
