export { openStore } from './store.ts';
export type { Store } from './store.ts';
export type { StoredBoot, BootRepo } from './boots.ts';
export { storeErrors } from './errors.ts';
export type { IncidentRepo, StoredIncident, StoredStep } from './incidents.ts';
export type { ImageRepo, StoredImage, ImageState, ArtefactDigest, ImageSignature, LastKnownGood } from './images.ts';
export { METRIC_TIERS } from './metrics.ts';
export type { MetricRepo, MetricPoint, MetricTier } from './metrics.ts';
