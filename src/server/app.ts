import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { isBootmedicError, type BootmedicError } from '../core/index.ts';
import type { Service } from '../service/index.ts';
import { createAuthThrottle, type AuthThrottle } from './auth-throttle.ts';
import { HTTP_STATUS, serverErrors, type ServerErrorCode } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { validate, type AnyRoute, type MetricsSource, type RouteDeps } from './route.ts';
import { bootRoutes } from './routes/boots.ts';
import { drillRoutes } from './routes/drills.ts';
import { imageRoutes } from './routes/images.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { healthRoutes, liveRoutes, metricsRoutes } from './routes/live.ts';
import { vmRoutes } from './routes/vms.ts';
import type { EventStream } from './sse.ts';
import { staticHandler } from './static.ts';
import { roleAllows, type Role, type TokenBook } from './tokens.ts';

/** The Content-Security-Policy of every response: the dashboard loads only its own files. */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'";
export const BODY_LIMIT_BYTES = 64 << 10;

export type AppOptions = Readonly<{
  service: Service;
  tokens: TokenBook;
  events: EventStream;
  metrics?: MetricsSource;
  /** The dashboard build (dist/web/); without it `/` says how to build it. */
  webRoot?: string;
  bodyLimitBytes?: number;
  throttle?: AuthThrottle;
  version?: string;
  log?: (line: Record<string, unknown>) => void;
}>;

/** Every API route; `/metrics` only when the server has metrics. */
export function routeTable(withMetrics: boolean): readonly AnyRoute[] {
  return [...healthRoutes, ...(withMetrics ? metricsRoutes : []), ...vmRoutes, ...bootRoutes, ...incidentRoutes, ...drillRoutes, ...ledgerRoutes, ...imageRoutes, ...liveRoutes];
}

const ERROR_OF_CLASS = { busy: 409, input: 400, usage: 400, unavailable: 503, interrupted: 503 } as const;

function errorJson(c: Context, e: BootmedicError, status: number): Response {
  const headers: Record<string, string> = {};
  if (status === 401) headers['www-authenticate'] = e.details?.['invalid'] === true ? 'Bearer realm="bootmedic", error="invalid_token"' : 'Bearer realm="bootmedic"';
  if (status === 429) headers['retry-after'] = String(e.details?.['retryAfterSeconds'] ?? 60);
  return c.json({ error: { code: e.code, message: e.message, fix: e.fix } }, status as 400, headers);
}

/** The peer's address: @hono/node-server puts the Node request in `env.incoming` (getConnInfo reads the same, but throws without it, as in app.request()). */
function remoteAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

const BEARER = /^Bearer\s+(\S{1,512})\s*$/i;

function authMiddleware(need: Role, queryToken: boolean, tokens: TokenBook, throttle: AuthThrottle): MiddlewareHandler {
  return async (c, next) => {
    const addr = remoteAddress(c);
    const wait = throttle.blockedFor(addr);
    if (wait > 0) {
      const secs = Math.ceil(wait / 1000);
      throw serverErrors.make('SERVER_AUTH_THROTTLED', `too many wrong tokens from ${addr}; try again in ${secs} s`, { details: { retryAfterSeconds: secs } });
    }
    const header = c.req.header('authorization');
    const token = header !== undefined ? BEARER.exec(header)?.[1] : queryToken ? c.req.query('access_token') : undefined;
    if (token === undefined || token === '') {
      throw serverErrors.make('SERVER_UNAUTHORIZED', header !== undefined ? "the Authorization header is not 'Bearer <token>'" : `${c.req.path} needs a token`);
    }
    const who = tokens.check(token);
    if (who === undefined) {
      throttle.fail(addr);
      throw serverErrors.make('SERVER_UNAUTHORIZED', 'the token is unknown or revoked', { details: { invalid: true } });
    }
    if (!roleAllows(who.role, need)) throw serverErrors.make('SERVER_FORBIDDEN', `${c.req.method} ${c.req.path} needs the ${need} role; token ${who.id} is a ${who.role}`);
    await next();
  };
}

/**
 * The hono app: the route table with auth, validation and the error mapping, the SSE
 * stream, the dashboard's files, and security headers on every response.
 * @example
 * const { app } = createApp({ service, tokens, events: createEventStream(service.hub) });
 * const res = await app.request('/api/v1/vms', { headers: { authorization: `Bearer ${token}` } });
 */
export function createApp(opts: AppOptions): { app: Hono; routes: readonly AnyRoute[] } {
  const log = opts.log ?? (() => {});
  const throttle = opts.throttle ?? createAuthThrottle();
  const routes = routeTable(opts.metrics !== undefined);
  let doc: unknown;
  const deps: RouteDeps = {
    service: opts.service,
    log,
    events: opts.events,
    ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}),
    openapi: () => (doc ??= openApiDocument(routes, { version: opts.version ?? '0.0.0' })),
  };
  const app = new Hono();

  app.use('*', async (c, next) => {
    await next();
    // A route may serve a document with its own, stricter policy (a drill's sandboxed HTML report).
    if (!c.res.headers.has('content-security-policy')) c.header('content-security-policy', CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    c.header('x-frame-options', 'DENY');
  });
  app.onError((e, c) => {
    if (isBootmedicError(e)) {
      const own = HTTP_STATUS[e.code as ServerErrorCode] as number | undefined;
      const status = own ?? (c.req.method === 'GET' && e.exitClass !== 'busy' ? 500 : ERROR_OF_CLASS[e.exitClass]);
      if (status >= 500) log({ level: 'error', msg: 'request failed', method: c.req.method, path: c.req.path, code: e.code, error: e.message });
      return errorJson(c, e, status);
    }
    log({ level: 'error', msg: 'request failed', method: c.req.method, path: c.req.path, error: String(e), stack: e instanceof Error ? e.stack : undefined });
    return errorJson(c, serverErrors.make('SERVER_INTERNAL', `${c.req.method} ${c.req.path} failed inside the server; its log has the details`), 500);
  });

  const limit = bodyLimit({
    maxSize: opts.bodyLimitBytes ?? BODY_LIMIT_BYTES,
    onError: () => {
      throw serverErrors.make('SERVER_BODY_TOO_LARGE', `the request body is larger than ${opts.bodyLimitBytes ?? BODY_LIMIT_BYTES} bytes`);
    },
  });

  for (const r of routes) {
    const chain: MiddlewareHandler[] = [];
    if (r.auth !== 'public') chain.push(authMiddleware(r.auth, r.queryToken === true, opts.tokens, throttle));
    if (r.body !== undefined) chain.push(limit);
    app.on(r.method.toUpperCase(), [r.path], ...chain, async (c) => {
      const params = r.params === undefined ? undefined : validate(r.params, c.req.param(), 'path');
      const query = r.query === undefined ? undefined : validate(r.query, c.req.query(), 'query');
      const headers = r.headers === undefined ? undefined : validate(r.headers, c.req.header(), 'header');
      let body: unknown;
      if (r.body !== undefined) {
        let raw: unknown;
        try {
          raw = await c.req.json();
        } catch {
          throw serverErrors.make('SERVER_BAD_REQUEST', 'body: not valid JSON', { details: { fields: ['body'] } });
        }
        body = validate(r.body, raw, 'body');
      }
      const out = await r.handle({ params, query, body, headers, c, deps });
      return out instanceof Response ? out : c.json(out as object, (r.status ?? 200) as 200);
    });
  }

  const dashboard = staticHandler(opts.webRoot);
  app.get('*', (c) => {
    if (c.req.path.startsWith('/api/')) throw serverErrors.make('SERVER_NOT_FOUND', `no API route GET ${c.req.path}`);
    return dashboard(c) ?? errorJson(c, serverErrors.make('SERVER_NOT_FOUND', `nothing at ${c.req.path}`), 404);
  });
  app.notFound((c) => errorJson(c, serverErrors.make('SERVER_NOT_FOUND', `no route ${c.req.method} ${c.req.path}`), 404));
  return { app, routes };
}
