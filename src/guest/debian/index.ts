// The Debian guest builder's only door (inside guest/): build or find the Debian 12 disk
// image, plus the helpers that display it. It is booted like every VM: a VmSpec through
// the hypervisor (examples/debian.yaml; testkit's bootOnce for the builder's self-test).
import type { AppConfig } from '../../config/index.ts';
import { buildDebianGuest as build, type DebianBuildOptions, type DebianGuest } from './build.ts';
import type { DebianFirmware } from './recipe.ts';

export { resolveDebianGuest, requireDebianGuest } from './build.ts';
export type { DebianGuest, DebianBuildOptions, DebianVariant } from './build.ts';
export type { DebianFirmware, DebianRecipe } from './recipe.ts';
export { loadRecipe, imageKey, rootfsKey } from './recipe.ts';
export { debianErrors } from './errors.ts';
export { stubConfig, grubConfig } from './grub.ts';

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
