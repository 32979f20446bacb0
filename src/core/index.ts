// The shared kernel every part may use: the error type and small helpers. It depends
// on nothing, so parts that must stand alone (signatures/, console/, ledger/) may too.
export { BootmedicError, defineErrors, isBootmedicError, assertNever, EXIT_CLASSES } from './errors.ts';
export type { ErrorSpec, ErrorCatalogue, ExitClass } from './errors.ts';
export { canonicalJson } from './canonical-json.ts';
export { seededRandom } from './seeded-random.ts';
export { withTempFile } from './temp-file.ts';
