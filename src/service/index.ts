// service/: the long-running bootmedic (`bootmedic serve`): the event hub every producer
// (supervisors, healers, drills, the ledger) publishes to, and every listener (the HTTP
// API's SSE stream, the Prometheus metrics, the Alertmanager pusher) reads from; the
// service config; the daemon itself (createService); the watch-and-heal loop of one VM
// that `bootmedic watch` shares; the structured log.
export { createHub } from './hub.ts';
export type { Hub } from './hub.ts';
export type { ServiceEvent, Stamped, VmState } from './events.ts';
export type { Service, VmSummary, LastVerdict, DrillSummary } from './types.ts';
export { loadServiceConfig, parseServiceConfig, parseListen, isLoopback, healAllowed } from './config.ts';
export type { ServiceConfig } from './config.ts';
export { defaultServiceConfigPath } from '../config/index.ts';
export { watchVm, isFailure } from './watch-loop.ts';
export type { WatchVmOptions, WatchEnd } from './watch-loop.ts';
export { createLogger, silentLogger } from './log.ts';
export type { Logger, LogLevel, LogFields } from './log.ts';
export { serviceErrors } from './errors.ts';
export { createService } from './service.ts';
export type { ServiceOptions } from './service.ts';
export { orderFleet, reduceVm, seedVm } from './fleet.ts';
export type { VmView } from './fleet.ts';
export { loadVmSources } from './vm-sources.ts';
export { reloadOnSighup } from './signals.ts';
