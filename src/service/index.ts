// service/: the long-running bootmedic (`bootmedic serve`): the event hub every producer
// (supervisors, healers, drills, the ledger) publishes to, and every listener (the HTTP
// API's SSE stream, the Prometheus metrics, the Alertmanager pusher) reads from.
export { createHub } from './hub.ts';
export type { Hub } from './hub.ts';
export type { ServiceEvent, Stamped, VmState } from './events.ts';
export type { Service, VmSummary, LastVerdict, DrillSummary } from './types.ts';
