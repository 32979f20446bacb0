import type { Context } from 'hono';
import type { z } from 'zod';
import type { Service } from '../service/index.ts';
import type { EventStream } from './sse.ts';
import type { Role } from './tokens.ts';
import { serverErrors } from './errors.ts';

/** What a handler may use besides its validated input. */
export type RouteDeps = Readonly<{
  service: Service;
  log: (line: Record<string, unknown>) => void;
  events: EventStream;
  /** The Prometheus exposition (svc-metrics' `Metrics`), when the server has metrics. */
  metrics?: MetricsSource;
  /** The OpenAPI document of the app's routes. */
  openapi: () => unknown;
}>;

/** What `/metrics` serves: svc-metrics' `createMetrics(hub)` result has this shape. */
export type MetricsSource = Readonly<{ contentType: string; render(): Promise<string> }>;

/** One documented response of a route. */
export type ResponseSpec = Readonly<{ description: string; json?: z.ZodType; contentType?: string }>;

type Input<P, Q, B, H> = Readonly<{ params: P; query: Q; body: B; headers: H; c: Context; deps: RouteDeps }>;

/**
 * One row of the route table. The same row registers the hono route, validates the
 * request (params, query, body) and writes the operation into the OpenAPI document.
 * A handler returns JSON (answered 200, or `status`) or a finished Response.
 */
export type RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, H extends z.ZodType = z.ZodUndefined> = Readonly<{
  method: 'get' | 'post';
  /** The hono path, `:name` for a parameter. */
  path: string;
  /** Who may call it; `public` needs no token. */
  auth: Role | 'public';
  /** Also accept the token as `?access_token=` (only the SSE stream: EventSource cannot set headers). */
  queryToken?: boolean;
  tag: string;
  summary: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers it reads (lower-case names). */
  headers?: H;
  /** The success status (200 by default) and its schema; error responses are added from `auth` and the inputs. */
  status?: number;
  ok: ResponseSpec;
  /** Extra documented error statuses besides the ones the inputs and auth imply (404, 409, 503). */
  errors?: readonly number[];
  handle(input: Input<z.output<P>, z.output<Q>, z.output<B>, z.output<H>>): unknown;
}>;

export type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType, z.ZodType>;

/** Declares a route with its input types inferred from its schemas. */
export function route<P extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined, H extends z.ZodType = z.ZodUndefined>(spec: RouteSpec<P, Q, B, H>): AnyRoute {
  return spec as unknown as AnyRoute;
}

/** `/vms/:name` as OpenAPI writes it: `/vms/{name}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}');

/** Validates one part of a request; SERVER_BAD_REQUEST names each wrong field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where: 'path' | 'query' | 'body' | 'header'): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const fields = r.error.issues.map((i) => {
    const at = [where, ...i.path.map(String)].join('.');
    return `${at}: ${i.message}`;
  });
  throw serverErrors.make('SERVER_BAD_REQUEST', fields.join('; '), { details: { fields: r.error.issues.map((i) => [where, ...i.path.map(String)].join('.')) } });
}

/** The not-found error of a thing named in a path. */
export const notFound = (what: string, id: string | number) => serverErrors.make('SERVER_NOT_FOUND', `${what} ${JSON.stringify(String(id))} does not exist`);

/** The value, or SERVER_NOT_FOUND naming what was asked for. */
export function found<T>(value: T | undefined, what: string, id: string | number): T {
  if (value === undefined) throw notFound(what, id);
  return value;
}
