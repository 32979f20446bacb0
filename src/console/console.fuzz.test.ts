// CI fuzzing of the console pipeline (fixed seed and run count; see testkit/fuzz.ts): the
// line splitter's lines are clean and the same however the bytes arrive; cleanLine and
// the prefix parser keep their invariants; the signature engine never throws.
import { describe, it } from 'node:test';
import { fuzzCheck } from '../../testkit/index.ts';
import { cleanLineTarget, lineSplitterTarget, signaturesTarget } from './fuzz-targets.ts';

const SEED = 20261207;

describe('fuzzing the console pipeline', { timeout: 120_000 }, () => {
  it('line splitter: 300 consoles, whole and in chunks, with and without the byte scan', () => {
    fuzzCheck(lineSplitterTarget, { seed: SEED, numRuns: 300 });
  });
  it('cleanLine and parsePrefix: 2000 lines', () => {
    fuzzCheck(cleanLineTarget, { seed: SEED, numRuns: 2000 });
  });
  it('signature engine: 150 consoles', () => {
    fuzzCheck(signaturesTarget, { seed: SEED, numRuns: 150 });
  });
});
