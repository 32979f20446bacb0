// The shared kernel every part may use: the error type and small helpers. It depends
// on nothing, so parts that must stand alone (signatures/, console/, ledger/) may too.
export { BootmedicError, defineErrors, isBootmedicError, assertNever, EXIT_CLASSES, fileErrors } from './errors.ts';
export { checkPath, copyGuarded, openGuarded, readGuarded, readGuardedText, streamGuarded } from './guarded-file.ts';
export type { GuardOptions, PathKind } from './guarded-file.ts';
export type { ErrorSpec, ErrorCatalogue, ExitClass } from './errors.ts';
export { BOOT_PHASES, phaseRank, CAUSE_IDS, isCauseId } from './vocabulary.ts';
export type { BootPhase, CauseId } from './vocabulary.ts';
export { canonicalJson } from './canonical-json.ts';
export { seededRandom } from './seeded-random.ts';
export { withTempFile } from './temp-file.ts';
export { parseJsonExact, stringifyExact } from './exact-json.ts';
export { runTool, runToolSync, peekToolSync, packageOf, lastLines, toolErrors, withParentDeathSignal } from './host-tool/index.ts';
export type { ToolResult, ToolOptions, AsyncToolOptions } from './host-tool/index.ts';
export { writeFileAtomic, copyFileAtomic } from './atomic-write.ts';
export { LIMIT, LIMIT_DOCS } from './limits.ts';
export type { LimitName } from './limits.ts';
export { boundEvidence, boundJson, boundText, notShown } from './report-bounds.ts';
export { parseData, loadDataFile } from './data-file.ts';
export type { DataOptions } from './data-file.ts';
export type { VerifyResult } from './verify-result.ts';
export { processAlive } from './process-alive.ts';
