// server/: the HTTP face of `bootmedic serve`: the JSON API under /api/v1 (one route table
// drives validation and the OpenAPI document), bearer-token auth with viewer and operator
// roles, the SSE event stream, the dashboard's static files, and the serve/token plumbing.
export { createServer } from './server.ts';
export type { ServerConfig, BootmedicServer } from './server.ts';
export { createApp, routeTable, CSP, BODY_LIMIT_BYTES } from './app.ts';
export { openApiDocument } from './openapi.ts';
export { createEventStream, sseFrame } from './sse.ts';
export type { EventStream } from './sse.ts';
export { createAuthThrottle } from './auth-throttle.ts';
export type { AuthThrottle } from './auth-throttle.ts';
export { createToken, listTokens, revokeToken, fileTokenBook, staticTokenBook, ROLES, roleAllows, tokenFilePath } from './tokens.ts';
export type { Role, TokenBook, TokenInfo } from './tokens.ts';
export { parseListen, isLoopback, checkPlainHttp, DEFAULT_LISTEN } from './listen.ts';
export type { ListenAddress, TlsFiles } from './listen.ts';
export type { MetricsSource, AnyRoute } from './route.ts';
export { serverErrors } from './errors.ts';
export { startServe, serviceFromConfig, telemetryFor, DEFAULT_WEB_ROOT } from './compose.ts';
export type { ServeOptions, Serving, ServiceFactory } from './compose.ts';
// The metrics (GET /metrics) and the
// Alertmanager pusher listen on the service's hub.
export { createMetrics, metricsSeed } from './metrics.ts';
export type { Metrics, MetricsOptions } from './metrics.ts';
export { createAlerter } from './alerts.ts';
export type { Alerter, AlerterOptions } from './alerts.ts';
export type { Alert, AlertName } from './telemetry/alert-book.ts';
export { ALERT_NAMES } from './telemetry/alert-book.ts';
export type { FetchLike, Timers } from './telemetry/alert-sender.ts';
export { telemetryErrors } from './telemetry/errors.ts';
