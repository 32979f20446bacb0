import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { LIMIT, readGuarded } from '../core/index.ts';
import type { Service } from '../service/index.ts';
import { createApp } from './app.ts';
import { createAuthThrottle } from './auth-throttle.ts';
import { serverErrors } from './errors.ts';
import { checkPlainHttp, DEFAULT_LISTEN, urlOf, type ListenAddress, type TlsFiles } from './listen.ts';
import type { MetricsSource } from './route.ts';
import { createEventStream } from './sse.ts';
import type { TokenBook } from './tokens.ts';

/** How the HTTP server runs (the service config's `server` part; flags override it). */
export type ServerConfig = Readonly<{
  listen?: ListenAddress;
  tls?: TlsFiles;
  /** Plain HTTP on a non-loopback address (a TLS proxy in front). */
  allowPlainHttp?: boolean;
  bodyLimitBytes?: number;
  /** SSE heartbeat period (15 s). */
  heartbeatMs?: number;
  /** Wrong tokens per address per window before 429 (10 a minute). */
  authFailures?: Readonly<{ max: number; windowMs: number }>;
}>;

export type BootmedicServer = Readonly<{
  app: Hono;
  /** Starts listening; resolves with the URL once the socket is bound. */
  listen(): Promise<{ url: string; port: number }>;
  /** Ends the SSE streams and closes the server and its connections. */
  close(): Promise<void>;
  /** Clients of the SSE stream now (a gauge of the metrics). */
  sseClients(): number;
}>;

/**
 * The HTTP server of `bootmedic serve` over a running Service.
 * @example
 * const server = createServer({ service, tokens: fileTokenBook(home), config: { listen: { host: '127.0.0.1', port: 0 } } });
 * const { url } = await server.listen();
 */
export function createServer(opts: {
  service: Service;
  tokens: TokenBook;
  config?: ServerConfig;
  metrics?: MetricsSource;
  webRoot?: string;
  version?: string;
  log?: (line: Record<string, unknown>) => void;
}): BootmedicServer {
  const config = opts.config ?? {};
  const addr = config.listen ?? DEFAULT_LISTEN;
  // Refuse before anything starts, so the mistake is the first thing the operator sees.
  checkPlainHttp(addr, config.tls, config.allowPlainHttp === true);
  const events = createEventStream(opts.service.hub, config.heartbeatMs === undefined ? {} : { heartbeatMs: config.heartbeatMs });
  const { app } = createApp({
    service: opts.service,
    tokens: opts.tokens,
    events,
    throttle: createAuthThrottle(config.authFailures ?? {}),
    ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}),
    ...(opts.webRoot !== undefined ? { webRoot: opts.webRoot } : {}),
    ...(config.bodyLimitBytes !== undefined ? { bodyLimitBytes: config.bodyLimitBytes } : {}),
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    ...(opts.log !== undefined ? { log: opts.log } : {}),
  });
  let server: Server | undefined;
  return Object.freeze({
    app,
    sseClients: () => events.clients(),
    listen() {
      const tls = config.tls;
      const serverOptions =
        tls === undefined
          ? undefined
          : {
              cert: readGuarded(tls.cert, { what: 'TLS certificate', maxBytes: LIMIT.DATA_FILE_MAX_BYTES }),
              key: readGuarded(tls.key, { what: 'TLS key', maxBytes: LIMIT.DATA_FILE_MAX_BYTES }),
            };
      return new Promise((resolve, reject) => {
        const opt = { fetch: app.fetch, hostname: addr.host, port: addr.port, ...(serverOptions !== undefined ? { createServer: createHttpsServer, serverOptions } : {}) };
        const s = serve(opt as Parameters<typeof serve>[0], (info: AddressInfo) => resolve({ url: urlOf(addr.host, info.port, tls !== undefined), port: info.port })) as Server;
        server = s;
        s.once('error', (cause: Error) => reject(serverErrors.make('SERVER_LISTEN_FAILED', `cannot listen on ${addr.host}:${addr.port}: ${cause.message}`, { cause })));
      });
    },
    async close() {
      events.close();
      const s = server;
      server = undefined;
      if (s === undefined) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
  });
}
