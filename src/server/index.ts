// server/: the HTTP side of `bootmedic serve`. The metrics (GET /metrics) and the
// Alertmanager pusher listen on the service's hub.
export { createMetrics, metricsSeed } from './metrics.ts';
export type { Metrics, MetricsOptions } from './metrics.ts';
export { createAlerter } from './alerts.ts';
export type { Alerter, AlerterOptions } from './alerts.ts';
export type { Alert, AlertName } from './telemetry/alert-book.ts';
export { ALERT_NAMES } from './telemetry/alert-book.ts';
export type { FetchLike, Timers } from './telemetry/alert-sender.ts';
export { telemetryErrors } from './telemetry/errors.ts';
