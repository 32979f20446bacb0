import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureHome, type AppConfig } from '../config/index.ts';
import { openLedger } from '../ledger/index.ts';
import { createHub, type Service } from '../service/index.ts';
import { openStore } from '../store/index.ts';
import { serverErrors } from './errors.ts';
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
  metrics?: (service: Service) => MetricsSource & { close?(): void };
}>;

export type Serving = Readonly<{ url: string; service: Service; server: BootmedicServer; tokens: number; close(): Promise<void> }>;

/** Makes the Service that `serve` serves, with the server settings and the token file of its config. */
export type ServiceFactory = (opts: { app: AppConfig; configFile?: string; log: ServeOptions['log'] }) => Promise<{ service: Service; server?: ServerConfig; tokenFile?: string }>;

/**
 * TEMPORARY until svc-daemon's `createService` (src/service/) lands: a Service over the
 * home's store and ledger with no watched VMs and no drills, so the API, the dashboard and
 * the token handling can run and be tested. The integrator replaces this one function with
 * a call of `createService` (see `startServe`'s default `makeService`), along these lines:
 *
 *   const config = loadServiceConfig({ file: configFile, defaultFile: defaultServiceConfigPath(), home: app.home });
 *   const service = await createService(app, config, { log: logger, ...(configFile ? { configFile } : {}) });
 *   return { service, tokenFile: config.tokens,
 *            server: { listen: config.listen, allowPlainHttp: config.allowPlainHttp, ...(config.tls ? { tls: config.tls } : {}) } };
 */
export const historyOnlyService: ServiceFactory = async ({ app, configFile, log }) => {
  if (configFile !== undefined) log({ level: 'warn', msg: 'the service config is not read yet (no VM watchers in this build)', config: configFile });
  const store = openStore({ home: app.home });
  const ledger = await openLedger({ home: app.home, rememberAt: app.ledgerCheckpointCopies ?? [] });
  const hub = createHub();
  const service: Service = Object.freeze({
    hub, home: app.home, store, ledger,
    fleet: () => [],
    vm: () => undefined,
    startDrill: () => {
      throw serverErrors.make('SERVER_CONFLICT', 'this build of bootmedic serve cannot run drills yet; run bootmedic drill');
    },
    drills: () => [],
    drill: () => undefined,
    ready: () => true,
    reload: async () => ({ added: [], removed: [], kept: [] }),
    close: async () => {
      await ledger.close();
      store.close();
    },
  });
  return { service };
};

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * Starts the service and the HTTP server over it; `close()` stops both (server first).
 * @example
 * const s = await startServe({ app, server: { listen: { host: '127.0.0.1', port: 8080 } }, log });
 * process.once('SIGTERM', () => void s.close());
 */
export async function startServe(opts: ServeOptions, makeService: ServiceFactory = historyOnlyService): Promise<Serving> {
  ensureHome(opts.app);
  const made = await makeService({ app: opts.app, ...(opts.configFile !== undefined ? { configFile: opts.configFile } : {}), log: opts.log });
  const { service } = made;
  const tokenFile = made.tokenFile ?? tokenFilePath(opts.app.home);
  let server: BootmedicServer;
  let url: string;
  let metrics: (MetricsSource & { close?(): void }) | undefined;
  try {
    metrics = opts.metrics?.(service);
    const tokens = fileTokenBook(tokenFile, { onError: (e) => opts.log({ level: 'error', msg: 'token file unreadable; keeping the last good tokens', error: String((e as Error).message) }) });
    const config: ServerConfig = { ...made.server, ...opts.server };
    server = createServer({ service, tokens, config, webRoot: opts.webRoot ?? DEFAULT_WEB_ROOT, version: version(), log: opts.log, ...(metrics !== undefined ? { metrics } : {}) });
    ({ url } = await server.listen());
  } catch (e) {
    metrics?.close?.();
    await service.close();
    throw e;
  }
  return Object.freeze({
    url, service, server,
    tokens: readTokens(tokenFile).length,
    async close() {
      await server.close();
      metrics?.close?.();
      await service.close();
    },
  });
}
