import { z } from 'zod';
import { openApiPath, type AnyRoute } from './route.ts';
import { REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from './schemas.ts';

// The OpenAPI 3.1 document, built from the route table and its zod schemas. OpenAPI 3.1
// schemas are JSON Schema 2020-12, zod's default target; named schemas become components.

type Json = Record<string, unknown>;
const REF = (id: string) => `#/components/schemas/${id}`;

function strip(s: Json): Json {
  const { $schema: _s, $id: _i, ...rest } = s;
  return rest;
}

function components(): { schemas: Json; names: Map<z.ZodType, string> } {
  const names = new Map<z.ZodType, string>();
  const schemas: Json = {};
  for (const [group, io] of [[RESPONSE_SCHEMAS, 'output'], [REQUEST_SCHEMAS, 'input']] as const) {
    const reg = z.registry<{ id: string }>();
    for (const [id, s] of Object.entries(group)) {
      reg.add(s, { id });
      names.set(s, id);
    }
    const out = z.toJSONSchema(reg, { uri: REF, io, unrepresentable: 'any' });
    for (const [id, s] of Object.entries(out.schemas)) schemas[id] = strip(s as Json);
  }
  return { schemas, names };
}

const inline = (s: z.ZodType, io: 'input' | 'output') => strip(z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json);

const errorResponse = (status: number) => ({
  description: { 400: 'Bad input: the error names the field.', 401: 'No token, or an unknown one.', 403: "The token's role may not do this.", 404: 'Not found.', 409: 'Busy.', 413: 'Body too large.', 429: 'Too many wrong tokens from this address.', 503: 'Not ready.' }[status] ?? 'Error.',
  content: { 'application/json': { schema: { $ref: REF('Error') } } },
});

function parameters(r: AnyRoute): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [['path', r.params], ['query', r.query], ['header', r.headers]] as const) {
    if (schema === undefined) continue;
    const shape = (schema as unknown as z.ZodObject).shape as Record<string, z.ZodType>;
    for (const [name, s] of Object.entries(shape)) {
      const js = inline(s, 'input');
      const optional = s.safeParse(undefined).success;
      out.push({ name, in: where, required: where === 'path' || !optional, schema: js, ...(typeof js['description'] === 'string' ? { description: js['description'] } : {}) });
    }
  }
  return out;
}

/**
 * The OpenAPI 3.1 document of the given routes.
 * @example
 * const doc = openApiDocument(routes, { version: '0.4.0' });
 */
export function openApiDocument(routes: readonly AnyRoute[], info: { version: string }): Json {
  const { schemas, names } = components();
  const schemaOf = (s: z.ZodType, io: 'input' | 'output') => (names.has(s) ? { $ref: REF(names.get(s)!) } : inline(s, io));
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const responses: Json = {};
    const okContent = r.ok.json !== undefined ? { 'application/json': { schema: schemaOf(r.ok.json, 'output') } } : { [r.ok.contentType ?? 'text/plain']: { schema: { type: 'string' } } };
    responses[String(r.status ?? 200)] = { description: r.ok.description, content: okContent };
    const errs = new Set<number>(r.errors ?? []);
    if (r.params !== undefined || r.query !== undefined || r.body !== undefined || r.headers !== undefined) errs.add(400);
    if (r.params !== undefined) errs.add(404);
    if (r.body !== undefined) errs.add(413);
    if (r.auth !== 'public') [401, 429].forEach((s) => errs.add(s));
    if (r.auth === 'operator') errs.add(403);
    for (const s of [...errs].sort()) responses[String(s)] = errorResponse(s);
    const op: Json = {
      operationId: `${r.method}${openApiPath(r.path).replace(/[{}]/g, '').split(/[/_-]/).map((w) => (w === '' ? '' : w[0]!.toUpperCase() + w.slice(1))).join('')}`,
      summary: r.summary,
      tags: [r.tag],
      security: r.auth === 'public' ? [] : [{ bearer: [] }],
      ...(r.auth === 'operator' ? { 'x-role': 'operator' } : r.auth === 'viewer' ? { 'x-role': 'viewer' } : {}),
      parameters: parameters(r),
      ...(r.body !== undefined ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } } } : {}),
      responses,
    };
    (paths[openApiPath(r.path)] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'bootmedic API', version: info.version, description: 'Watch, diagnose and heal VM boots. Every route but /healthz and /readyz needs a bearer token (`bootmedic token create --role viewer|operator`).' },
    servers: [{ url: '/' }],
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token from `bootmedic token create`. Roles: viewer (read), operator (also drills and heals).' } } },
    security: [{ bearer: [] }],
  };
}
