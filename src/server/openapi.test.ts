import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createFakeService, type FakeService } from '../../testkit/index.ts';
import { createApp, createEventStream, staticTokenBook } from './index.ts';
import { openApiPath } from './route.ts';

const T = 'viewer-token-for-openapi';
let fake: FakeService;
let doc: Record<string, any>;
let appRoutes: Array<{ method: string; path: string }>;

before(async () => {
  fake = await createFakeService();
  const { app } = createApp({ service: fake.service, tokens: staticTokenBook({ [T]: 'viewer' }), events: createEventStream(fake.hub), metrics: { contentType: 'text/plain', render: async () => '' } });
  const res = await app.request('/api/v1/openapi.json', { headers: { authorization: `Bearer ${T}` } });
  assert.equal(res.status, 200);
  doc = (await res.json()) as Record<string, any>;
  // The routes hono actually serves: method handlers, not middleware ('ALL') and not the dashboard's catch-all.
  appRoutes = app.routes.filter((r) => r.method !== 'ALL' && r.path !== '*' && r.path !== '/*').map((r) => ({ method: r.method.toLowerCase(), path: openApiPath(r.path) }));
});
after(async () => fake.cleanup());

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

test('the document has the required OpenAPI 3.1 top-level fields', () => {
  assert.match(doc['openapi'], /^3\.1\.\d+$/);
  assert.equal(typeof doc['info']?.title, 'string');
  assert.equal(typeof doc['info']?.version, 'string');
  assert.equal(typeof doc['paths'], 'object');
  assert.deepEqual(doc['components'].securitySchemes.bearer, { type: 'http', scheme: 'bearer', description: doc['components'].securitySchemes.bearer.description });
});

test('every route of the app is in the document, and every operation of the document is a route', () => {
  const inDoc = Object.entries(doc['paths'] as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).filter((m) => METHODS.includes(m)).map((m) => `${m} ${p}`));
  const inApp = [...new Set(appRoutes.map((r) => `${r.method} ${r.path}`))];
  assert.deepEqual(inDoc.sort(), inApp.sort());
  assert.ok(inDoc.includes('get /api/v1/vms') && inDoc.includes('post /api/v1/drills') && inDoc.includes('get /api/v1/events') && inDoc.includes('get /metrics'));
});

test('every operation has responses, security, a unique operationId and documents its path parameters', () => {
  const ids = new Set<string>();
  for (const [p, ops] of Object.entries(doc['paths'] as Record<string, Record<string, any>>)) {
    for (const [m, op] of Object.entries(ops)) {
      const at = `${m} ${p}`;
      assert.ok(Object.keys(op.responses).length >= 1, at);
      for (const [status, r] of Object.entries(op.responses as Record<string, any>)) {
        assert.match(status, /^[1-5]\d\d$/, at);
        assert.equal(typeof r.description, 'string', `${at} ${status}`);
      }
      assert.ok(Array.isArray(op.security), `${at}: security`);
      const isPublic = p === '/healthz' || p === '/readyz';
      assert.equal(op.security.length === 0, isPublic, `${at}: only health checks are public`);
      if (!isPublic) assert.ok(op.responses['401'], `${at}: 401 documented`);
      assert.ok(!ids.has(op.operationId), `${at}: duplicate operationId ${op.operationId}`);
      ids.add(op.operationId);
      const names = [...p.matchAll(/\{(\w+)\}/g)].map((x) => x[1]);
      const declared = (op.parameters as Array<{ name: string; in: string; required: boolean }>).filter((x) => x.in === 'path');
      assert.deepEqual(declared.map((x) => x.name).sort(), names.sort(), at);
      for (const d of declared) assert.equal(d.required, true, at);
    }
  }
});

test('every $ref resolves inside the document', () => {
  const refs: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') refs.push(x);
        else walk(x);
      }
    }
  };
  walk(doc);
  assert.ok(refs.length > 10, `found ${refs.length} refs`);
  for (const r of refs) {
    assert.match(r, /^#\//, r);
    let node: any = doc;
    for (const part of r.slice(2).split('/')) node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    assert.ok(node !== undefined, `${r} does not resolve`);
  }
});

test('the request schemas in the document are the ones that validate: the drill body and the VM name pattern', () => {
  const body = doc['components'].schemas.DrillRequest;
  assert.deepEqual(body.required.sort(), ['scenarios', 'seed']);
  assert.equal(body.additionalProperties, false);
  assert.equal(body.properties.scenarios.maximum, 100);
  const vmParam = doc['paths']['/api/v1/vms/{name}'].get.parameters[0];
  assert.equal(vmParam.schema.pattern, '^[a-z0-9][a-z0-9._-]{0,62}$');
  assert.equal(doc['paths']['/api/v1/drills'].post['x-role'], 'operator');
  assert.ok(doc['paths']['/api/v1/drills'].post.responses['403']);
});
