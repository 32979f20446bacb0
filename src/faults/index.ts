// The faults part's only door. Drills, tests and guest tooling use it; production code
// paths (boot, diagnose, heal) must not: a fault's ground truth would leak into them.
export { loadCatalogue, parseCatalogue, getFault, CAUSES } from './catalogue.ts';
export type { Fault, Injection, Cause } from './catalogue.ts';
export { injectFault } from './inject.ts';
export type { Injected } from './inject.ts';
export { faultErrors } from './errors.ts';
export { applyImageOp, createDiskOverlay, IMAGE_OPS } from './inject-image.ts';
export type { ImageOp, ImageInjection } from './inject-image.ts';
