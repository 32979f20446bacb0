// The Debian guest builder's only door (inside guest/): build or find the Debian 12 disk
// image, plus the helpers that boot and display it.
import type { AppConfig } from '../../config/index.ts';
import { buildDebianGuest as build, type DebianBuildOptions, type DebianGuest } from './build.ts';
import type { DebianFirmware } from './recipe.ts';

export { resolveDebianGuest, requireDebianGuest } from './build.ts';
export type { DebianGuest, DebianBuildOptions, DebianVariant } from './build.ts';
export type { DebianFirmware, DebianRecipe } from './recipe.ts';
export { loadRecipe, imageKey, rootfsKey } from './recipe.ts';
export { debianErrors } from './errors.ts';
export { debianQemuArgs, OVMF_BIOS_PATH } from './qemu-args.ts';
export { stubConfig, grubConfig } from './grub.ts';
export { probeBoot, phaseOffsets, DEBIAN_PHASES } from './boot-probe.ts';
export type { ProbeResult, DebianPhase } from './boot-probe.ts';

/** The older call form `buildDebianGuest(app, {log, signal, firmware})`, kept for callers written against it. */
type LegacyOptions = { log?: (line: string) => void; signal?: AbortSignal; firmware?: DebianFirmware; secureBoot?: boolean; onProgress?: (step: string) => void };

/**
 * Builds (or returns from the cache) the Debian 12 disk image; see build.ts.
 * Accepts `buildDebianGuest({app, firmware, signal, onProgress})` or `buildDebianGuest(app, {log, signal, firmware})`.
 */
export function buildDebianGuest(opts: DebianBuildOptions): Promise<DebianGuest>;
export function buildDebianGuest(app: AppConfig, opts?: LegacyOptions): Promise<DebianGuest>;
export function buildDebianGuest(a: DebianBuildOptions | AppConfig, b: LegacyOptions = {}): Promise<DebianGuest> {
  if ('app' in a) return build(a);
  const onProgress = b.onProgress ?? b.log;
  return build({ app: a, ...(b.firmware ? { firmware: b.firmware } : {}), ...(b.secureBoot ? { secureBoot: true } : {}), ...(b.signal ? { signal: b.signal } : {}), ...(onProgress ? { onProgress } : {}) });
}
