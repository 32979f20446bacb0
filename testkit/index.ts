export { sharedDir, sharedPath, skipWithout } from './shared.ts';
export { createFakeHealTarget } from './fake-heal-target.ts';
export { recordedEvidence, fingerprintFromArgv, isRecorded } from './recorded-evidence.ts';
export { runCli } from './run-cli.ts';
export { exampleSpec } from './example-spec.ts';
export { QMP_STATS_REPLIES } from './qmp-stats.ts';
