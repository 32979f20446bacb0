// The catalogue part's only door: catalogued disk images with digests, a lifecycle
// (candidate → tested → golden → retired) proven by boots, Ed25519 signatures, and the
// hypervisor wrapper that enforces a VM's signed-image policy.
export { catalogueErrors } from './errors.ts';
export { addImage, promoteImage, retireImage, signImage, verifyImage, resolveImage, digestChanges } from './catalogue.ts';
export type { CatalogueDeps, ImageVerifyResult } from './catalogue.ts';
export { artefactDigests, sha256File } from './digest.ts';
export { defaultKeyPath, loadSigningKey, signatureProblem, trustedPublicKey } from './signing.ts';
export { withImagePolicy } from './policy.ts';
export type { PolicyHypervisor } from './policy.ts';
