// CI fuzzing of the disk parsers (fixed seed and run count; see testkit/fuzz.ts): every
// failure must be a catalogued IMAGE_* error, and reads stay linear in the image.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzzCheck } from '../../testkit/index.ts';
import { ext4Target, fatTarget, gptTarget, qcow2Target } from './fuzz-disk-targets.ts';

const SEED = 20261207;

describe('fuzzing the disk parsers', { timeout: 120_000 }, () => {
  it('GPT: 300 mutated partition tables', () => {
    fuzzCheck(gptTarget, { seed: SEED, numRuns: 300 });
  });
  it('FAT: 300 mutated ESPs', () => {
    fuzzCheck(fatTarget, { seed: SEED, numRuns: 300 });
  });
  it('ext4: 300 mutated root filesystems', () => {
    fuzzCheck(ext4Target, { seed: SEED, numRuns: 300 });
  });
  it('qcow2: 300 mutated images', () => {
    const { refused } = fuzzCheck(qcow2Target, { seed: SEED, numRuns: 300 });
    assert.ok(refused >= 30, `only ${refused} of 300 mutated qcow2 images were refused: the mutations miss the header`);
  });
});
