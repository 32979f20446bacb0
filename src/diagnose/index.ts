// diagnose/: causes, evidence, the Bayesian model (data), exact inference, explanation.
// It runs no actions; heal/ consumes its posterior.
export { CAUSE_IDS, isCauseId } from '../core/index.ts';
export type { CauseId } from '../core/index.ts';
export { EvidenceSchema, parseEvidence } from './evidence.ts';
export type { Evidence, FindingLike, HostState, EvidencePhase, ImageLayer } from './evidence.ts';
export { computeFingerprint, diffFingerprints, fingerprintOf, hashFile, cmdlineChange, FingerprintSchema } from './fingerprint.ts';
export type { Fingerprint, FingerprintDiff, FingerprintInput } from './fingerprint.ts';
export { readHostState, parseMeminfo } from './host-state.ts';
export { historyFrom } from './history.ts';
export type { BootSummary } from './history.ts';
export { compileModel, loadModel, defaultModel, DEFAULT_MODEL_PATH } from './model.ts';
export type { Model } from './model.ts';
export { observe } from './observe.ts';
export type { Observation } from './observe.ts';
export { diagnose, posterior } from './diagnose.ts';
export type { Diagnosis, RankedCause, Explanation, ExplainedEvidence, Effect, Versus } from './diagnose.ts';
export { evidenceFromAnalysis, evidenceFromBootRecord } from './from-boot.ts';
export { diagnoseErrors } from './errors.ts';
