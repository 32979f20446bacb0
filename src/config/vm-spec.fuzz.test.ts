// CI fuzzing of the VM file loader (fixed seed and run count; see testkit/fuzz.ts): any
// text or value gives a VmSpec or a CONFIG_* error.
import { describe, it } from 'node:test';
import { fuzzCheck } from '../../testkit/index.ts';
import { vmSpecTarget, vmSpecValueTarget } from './fuzz-targets.ts';

const SEED = 20261207;

describe('fuzzing the VM file loader', { timeout: 120_000 }, () => {
  it('VM files: 600 YAML texts', () => {
    fuzzCheck(vmSpecTarget, { seed: SEED, numRuns: 600 });
  });
  it('parseVmSpec: 1000 values', () => {
    fuzzCheck(vmSpecValueTarget, { seed: SEED, numRuns: 1000 });
  });
});
