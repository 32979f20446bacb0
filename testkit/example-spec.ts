import { loadVmSpec, parseVmSpec, type VmSpec } from '../src/config/index.ts';

/**
 * examples/<file> as a VmSpec with a stall budget of `stallSeconds` (one that a loaded 2-core
 * TCG host does not trip) and `over` merged on top; relative paths resolve against `base`.
 */
export function exampleSpec(file: string, base: string, o: { stallSeconds?: number; over?: Record<string, unknown>; source?: string } = {}): VmSpec {
  const s = loadVmSpec(new URL(`../examples/${file}`, import.meta.url).pathname);
  const { sourcePath: _drop, ...rest } = s;
  const stall = o.stallSeconds === undefined ? s.stall : { ...s.stall, defaultSeconds: o.stallSeconds };
  return parseVmSpec({ ...JSON.parse(JSON.stringify(rest)), stall, ...o.over }, o.source ?? `examples/${file}`, base);
}
