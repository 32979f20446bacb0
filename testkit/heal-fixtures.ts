// Hand-built inputs for heal/ logic tests: a VM's facts and a diagnosis with chosen weights.
import { CAUSE_IDS, type CauseId, type Diagnosis } from '../src/diagnose/index.ts';
import type { RemedyContext } from '../src/heal/index.ts';

/** A TCG VM with a disk, a last good boot, a snapshot and a golden copy; `over` changes any fact. */
export const remedyContext = (over: Partial<RemedyContext> = {}): RemedyContext => ({
  accel: 'tcg', memoryMiB: 256, maxMemoryMiB: 4096, hasLastGood: true, changed: [], hasDisk: true, bootFromDisk: true,
  hasSnapshot: true, hasGolden: true, hasPreviousKernel: false, imageRepairs: [], cleanBootSeconds: 5, ...over,
});

/** A diagnosis whose causes are the given weights normalised (0.001 for every other cause). */
export const diagnosisFor = (weights: Partial<Record<CauseId, number>>): Diagnosis => {
  const z = Object.values(weights).reduce((a, b) => a + b, 0);
  const causes = CAUSE_IDS.map((cause) => ({ cause, probability: (weights[cause] ?? 0.001) / z })).sort((a, b) => b.probability - a.probability);
  return { causes, explanation: { summary: 'test', evidence: [], versus: { top: causes[0]!.cause, runnerUp: causes[1]!.cause, priorBits: 0, items: [], posteriorBits: 0 } } };
};
