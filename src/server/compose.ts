import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureHome, type AppConfig } from '../config/index.ts';
import { createCollectLoop, createCollector, recordRound, type Sample } from '../monitor/index.ts';
import { createService, defaultServiceConfigPath, loadServiceConfig, type LogFields, type Logger, type Service, type ServiceConfig } from '../service/index.ts';
import { createAlerter } from './alerts.ts';
import { createMetrics, metricsSeed } from './metrics.ts';
import type { MetricsSource } from './route.ts';
import { createServer, type BootmedicServer, type ServerConfig } from './server.ts';
import { fileTokenBook, readTokens, tokenFilePath } from './tokens.ts';

// `bootmedic serve` composed: the service, then the server over it; closed in reverse
// order (the server first, so no request reaches a closing service).

/** The dashboard build beside the code. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web/', import.meta.url));

export type ServeOptions = Readonly<{
  app: AppConfig;
  /** From the flags; each field given here overrides the service config's. */
  server: ServerConfig;
  /** The service config file (--config). */
  configFile?: string;
  webRoot?: string;
  log: (line: Record<string, unknown>) => void;
  /** Builds `/metrics` over the service (svc-metrics' `createMetrics(service.hub, ...)`); closed before the service. */
  metrics?: (service: Service) => MetricsSource & { close?(): void | Promise<void> };
}>;

export type Serving = Readonly<{ url: string; service: Service; server: BootmedicServer; tokens: number; close(): Promise<void> }>;

/** Makes the Service that `serve` serves, with the server settings and the token file of its config. */
export type ServiceFactory = (opts: { app: AppConfig; configFile?: string; log: ServeOptions['log'] }) => Promise<{ service: Service; server?: ServerConfig; tokenFile?: string; config?: ServiceConfig }>;

/** The service's logger over serve's line log (one JSON object per line, or a short line on a terminal). */
const loggerOf = (log: ServeOptions['log']): Logger => {
  const at = (level: string) => (msg: string, fields?: LogFields) => log({ level, msg, ...(fields ?? {}) });
  return Object.freeze({ debug: () => undefined, info: at('info'), warn: at('warn'), error: at('error') });
};

/**
 * The service `serve` runs: the config file (--config, else the default path when it
 * exists, else the embedded defaults), `createService` over it, and the server settings and
 * token file the config names.
 */
export const serviceFromConfig: ServiceFactory = async ({ app, configFile, log }) => {
  const config = loadServiceConfig({ file: configFile, defaultFile: defaultServiceConfigPath(), home: app.home });
  const service = await createService(app, config, { log: loggerOf(log), ...(configFile !== undefined ? { configFile } : {}) });
  return {
    service,
    config,
    tokenFile: config.tokens,
    server: { listen: config.listen, allowPlainHttp: config.allowPlainHttp, ...(config.tls !== undefined ? { tls: config.tls } : {}) },
  };
};

/**
 * What listens on the hub besides the SSE stream: the Prometheus metrics (with the host's
 * gauges from monitor/'s collection loop, every 10 s, kept in the store's history too) and,
 * when the config names Alertmanagers, the alert pusher.
 */
export function telemetryFor(service: Service, config: ServiceConfig | undefined, log: ServeOptions['log'], sseClients: () => number): MetricsSource & { close(): Promise<void> } {
  let samples: readonly Sample[] = [];
  const loop = createCollectLoop({
    collector: createCollector(),
    onRound: (r) => {
      samples = r.samples;
      recordRound(service.store.metrics, r);
    },
    onError: (e) => log({ level: 'warn', msg: 'host metrics collection failed', error: String((e as Error).message) }),
  });
  loop.start();
  const urls = config?.alertmanager.urls ?? [];
  const alerter =
    urls.length === 0
      ? undefined
      : createAlerter(service.hub, {
          urls,
          resendSeconds: config!.alertmanager.resendSeconds,
          externalUrl: config!.externalUrl,
          fleet: () => service.fleet(),
          onError: (e) => log({ level: 'warn', msg: 'alertmanager', error: e.message }),
        });
  const metrics = createMetrics(service.hub, { fleet: () => service.fleet(), sseClients, hostSamples: () => samples, ...(alerter !== undefined ? { alerter } : {}), ...metricsSeed(service) });
  return {
    contentType: metrics.contentType,
    render: () => metrics.render(),
    async close() {
      await loop.close();
      alerter?.close();
      metrics.close();
    },
  };
}

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * Starts the service and the HTTP server over it; `close()` stops both (server first).
 * @example
 * const s = await startServe({ app, server: { listen: { host: '127.0.0.1', port: 8080 } }, log });
 * process.once('SIGTERM', () => void s.close());
 */
export async function startServe(opts: ServeOptions, makeService: ServiceFactory = serviceFromConfig): Promise<Serving> {
  ensureHome(opts.app);
  const made = await makeService({ app: opts.app, ...(opts.configFile !== undefined ? { configFile: opts.configFile } : {}), log: opts.log });
  const { service } = made;
  const tokenFile = made.tokenFile ?? tokenFilePath(opts.app.home);
  let server: BootmedicServer;
  let url: string;
  let metrics: (MetricsSource & { close?(): void | Promise<void> }) | undefined;
  try {
    let sse = () => 0;
    metrics = opts.metrics?.(service) ?? telemetryFor(service, made.config, opts.log, () => sse());
    const tokens = fileTokenBook(tokenFile, { onError: (e) => opts.log({ level: 'error', msg: 'token file unreadable; keeping the last good tokens', error: String((e as Error).message) }) });
    const config: ServerConfig = { ...made.server, ...opts.server };
    server = createServer({ service, tokens, config, webRoot: opts.webRoot ?? DEFAULT_WEB_ROOT, version: version(), log: opts.log, ...(metrics !== undefined ? { metrics } : {}) });
    sse = () => server.sseClients();
    ({ url } = await server.listen());
  } catch (e) {
    await metrics?.close?.();
    await service.close();
    throw e;
  }
  return Object.freeze({
    url, service, server,
    tokens: readTokens(tokenFile).length,
    async close() {
      await server.close();
      await metrics?.close?.();
      await service.close();
    },
  });
}
