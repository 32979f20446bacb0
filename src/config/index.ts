export { loadVmSpec, parseVmSpec, VmSpecSchema, kernelCommandLine, assertCommandLineFits, GUEST_CMDLINE_RESERVE } from './vm-spec.ts';
export type { VmSpec, ReadySignal } from './vm-spec.ts';
export { resolveAppConfig, ensureHome } from './app-config.ts';
export type { AppConfig } from './app-config.ts';
export { defaultServiceConfigPath } from './service-path.ts';
export { configErrors } from './errors.ts';
