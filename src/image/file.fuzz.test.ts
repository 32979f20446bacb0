// CI fuzzing of the image parsers that read one file (fixed seed and run count; see
// testkit/fuzz.ts): grub.cfg, the memdisk config, the initrd, zstd frames, the bzImage header.
import { describe, it } from 'node:test';
import { fuzzCheck } from '../../testkit/index.ts';
import { bzImageTarget, fstabTarget, grubCfgTarget, initrdTarget, memdiskTarget, zstdFrameTarget } from './fuzz-file-targets.ts';

const SEED = 20261207;

describe('fuzzing the file parsers', { timeout: 120_000 }, () => {
  it('grub.cfg: 1000 texts parse without throwing', () => {
    fuzzCheck(grubCfgTarget, { seed: SEED, numRuns: 1000 });
  });
  it('memdisk: 500 loaders with a mutated tar header', () => {
    fuzzCheck(memdiskTarget, { seed: SEED, numRuns: 500 });
  });
  it('initrd: 400 mutated cpio/gzip/zstd archives fail only with IMAGE_* errors', () => {
    fuzzCheck(initrdTarget, { seed: SEED, numRuns: 400 });
  });
  it('zstd frames: 1000 mutated frames', () => {
    fuzzCheck(zstdFrameTarget, { seed: SEED, numRuns: 1000 });
  });
  it('fstab: 1000 texts', () => {
    fuzzCheck(fstabTarget, { seed: SEED, numRuns: 1000 });
  });
  it('bzImage header: 500 mutated kernels', () => {
    fuzzCheck(bzImageTarget, { seed: SEED, numRuns: 500 });
  });
});
