import { test, before, after } from 'node:test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createFakeService, FAKE_BOOT_ID, FAKE_INCIDENT_ID, type FakeService } from '../../testkit/index.ts';
import { createApp, createAuthThrottle, createEventStream, CSP, staticTokenBook, type AnyRoute } from './index.ts';
import { openApiPath } from './route.ts';
import { MAX_BYTES as REPORT_MAX_BYTES, REPORT_CSP } from './report-files.ts';

const VIEWER = 'viewer-token-0123456789';
/** A finished drill with its reports on disk, and a hand-over report of the fake's incident. */
const DONE_DRILL = 'drill-done';
const REPORT_HTML = '<!doctype html><html><head><style>body{font:14px sans-serif}</style></head><body><h1>Drill drill-done</h1><svg width="10" height="10"></svg></body></html>';
const OPERATOR = 'operator-token-0123456789';
let fake: FakeService;
let app: ReturnType<typeof createApp>['app'];
let routes: readonly AnyRoute[];

before(async () => {
  fake = await createFakeService();
  const metrics = { contentType: 'text/plain; version=0.0.4; charset=utf-8', render: async () => '# HELP bootmedic_up 1 when up\n# TYPE bootmedic_up gauge\nbootmedic_up 1\n' };
  const dd = join(fake.home, 'drills', DONE_DRILL);
  mkdirSync(dd, { recursive: true });
  writeFileSync(join(dd, 'report.html'), REPORT_HTML);
  writeFileSync(join(dd, 'report.md'), '# Drill drill-done\n\n| scenario | outcome |\n');
  fake.state.drills.push({ id: DONE_DRILL, status: 'done', scenarios: 1, seed: 2, done: 1, startedAt: '2026-12-07T03:10:00.000Z', files: { html: '/etc/passwd', md: '/etc/passwd' } });
  const inc = join(fake.home, 'incidents', FAKE_INCIDENT_ID);
  mkdirSync(inc, { recursive: true });
  writeFileSync(join(inc, 'hand-over.md'), `# Incident ${FAKE_INCIDENT_ID}: web1 handed over\n\nReason: attempt budget of 3 per incident used up\n`);
  writeFileSync(join(inc, 'hand-over.json'), JSON.stringify({ incidentId: FAKE_INCIDENT_ID, vm: 'web1', reason: 'attempt budget of 3 per incident used up', forensicSnapshots: ['/x/forensics/inc-0001/step-1'] }));
  ({ app, routes } = createApp({ service: fake.service, tokens: staticTokenBook({ [VIEWER]: 'viewer', [OPERATOR]: 'operator' }), events: createEventStream(fake.hub), metrics, throttle: createAuthThrottle({ max: 1000 }) }));
});
after(async () => fake.cleanup());

const req = (path: string, opts: { token?: string; method?: string; body?: string; headers?: Record<string, string> } = {}) =>
  app.request(path, {
    method: opts.method ?? 'GET',
    headers: { ...(opts.token !== undefined ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });

/** Every route with a path that exists and a valid body: the happy path of each. */
const HAPPY: Readonly<Record<string, { path: string; body?: string; status?: number }>> = {
  'GET /healthz': { path: '/healthz' },
  'GET /readyz': { path: '/readyz' },
  'GET /metrics': { path: '/metrics' },
  'GET /api/v1/vms': { path: '/api/v1/vms' },
  'GET /api/v1/vms/:name': { path: '/api/v1/vms/web1' },
  'GET /api/v1/vms/:name/boots': { path: '/api/v1/vms/web1/boots' },
  'GET /api/v1/boots/:id': { path: `/api/v1/boots/${FAKE_BOOT_ID}` },
  'GET /api/v1/boots/:id/console': { path: `/api/v1/boots/${FAKE_BOOT_ID}/console` },
  'GET /api/v1/incidents': { path: '/api/v1/incidents' },
  'GET /api/v1/incidents/:id': { path: `/api/v1/incidents/${FAKE_INCIDENT_ID}` },
  'GET /api/v1/incidents/:id/handover': { path: `/api/v1/incidents/${FAKE_INCIDENT_ID}/handover` },
  'POST /api/v1/drills': { path: '/api/v1/drills', body: '{"scenarios":4,"seed":7}', status: 202 },
  'GET /api/v1/drills': { path: '/api/v1/drills' },
  'GET /api/v1/drills/:id': { path: `/api/v1/drills/${DONE_DRILL}` },
  'GET /api/v1/drills/:id/report.html': { path: `/api/v1/drills/${DONE_DRILL}/report.html` },
  'GET /api/v1/drills/:id/report.md': { path: `/api/v1/drills/${DONE_DRILL}/report.md` },
  'GET /api/v1/ledger': { path: '/api/v1/ledger' },
  'GET /api/v1/ledger/entries': { path: '/api/v1/ledger/entries?from=1&limit=2' },
  'GET /api/v1/ledger/entries/:index/proof': { path: '/api/v1/ledger/entries/2/proof' },
  'GET /api/v1/images': { path: '/api/v1/images' },
  'GET /api/v1/openapi.json': { path: '/api/v1/openapi.json' },
};
const key = (r: AnyRoute) => `${r.method.toUpperCase()} ${r.path}`;

test('the happy-path table covers every route of the app', () => {
  assert.deepEqual(routes.map(key).filter((k) => k !== 'GET /api/v1/events').sort(), Object.keys(HAPPY).sort());
});

test('every protected route answers 401 without a token, with WWW-Authenticate and a catalogued error', async () => {
  for (const r of routes.filter((r) => r.auth !== 'public')) {
    const h = HAPPY[key(r)] ?? { path: '/api/v1/events' };
    const res = await req(h.path, { method: r.method.toUpperCase(), ...(h.body !== undefined ? { body: h.body } : {}) });
    assert.equal(res.status, 401, key(r));
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm="bootmedic"/, key(r));
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'SERVER_UNAUTHORIZED', key(r));
  }
});

test('a wrong token is 401 (invalid_token), a malformed header is 401', async () => {
  const res = await req('/api/v1/vms', { token: 'nope-nope-nope' });
  assert.equal(res.status, 401);
  assert.match(res.headers.get('www-authenticate')!, /invalid_token/);
  const res2 = await req('/api/v1/vms', { headers: { authorization: 'Basic abc' } });
  assert.equal(res2.status, 401);
  assert.match(((await res2.json()) as { error: { message: string } }).error.message, /Bearer <token>/);
});

test('operator routes answer 403 to a viewer token', async () => {
  const ops = routes.filter((r) => r.auth === 'operator');
  assert.ok(ops.length >= 1);
  for (const r of ops) {
    const h = HAPPY[key(r)]!;
    const res = await req(h.path, { method: r.method.toUpperCase(), token: VIEWER, ...(h.body !== undefined ? { body: h.body } : {}) });
    assert.equal(res.status, 403, key(r));
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'SERVER_FORBIDDEN');
  }
});

test('every route answers its happy path with a body that matches its documented schema', async () => {
  for (const r of routes.filter((r) => r.path !== '/api/v1/events')) {
    const h = HAPPY[key(r)]!;
    const res = await req(h.path, { method: r.method.toUpperCase(), token: r.auth === 'operator' ? OPERATOR : VIEWER, ...(h.body !== undefined ? { body: h.body } : {}) });
    assert.equal(res.status, h.status ?? 200, `${key(r)}: ${await res.clone().text()}`);
    assert.equal(res.headers.get('content-security-policy'), r.path.endsWith('.html') ? REPORT_CSP : CSP);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    if (r.ok.json !== undefined) {
      const parsed = r.ok.json.safeParse(await res.json());
      assert.ok(parsed.success, `${key(r)}: ${parsed.success ? '' : parsed.error.message}`);
    } else assert.ok((await res.text()).length > 0);
  }
});

test('the happy paths carry the data: fleet shape, boot findings, console lines, incident posterior, proof', async () => {
  const vms = (await (await req('/api/v1/vms', { token: VIEWER })).json()) as Array<Record<string, unknown>>;
  assert.deepEqual(vms.map((v) => [v['name'], v['state'], (v['lastVerdict'] as { status?: string } | undefined)?.status]), [['web1', 'failed', 'failed'], ['db1', 'ready', undefined]]);
  const boot = (await (await req(`/api/v1/boots/${FAKE_BOOT_ID}`, { token: VIEWER })).json()) as { findings: Array<{ id: string; evidence: unknown[] }>; timeline: unknown[] };
  assert.equal(boot.findings[0]!.id, 'kernel.panic.vfs-root');
  assert.equal(boot.timeline.length, 2);
  const cons = (await (await req(`/api/v1/boots/${FAKE_BOOT_ID}/console`, { token: VIEWER })).json()) as { text: string; firstLine: number; findings: Array<{ line: number }> };
  assert.equal(cons.firstLine, 1);
  const lines = cons.text.split('\n');
  assert.deepEqual(cons.findings.map((f) => f.line), [4, 5]);
  assert.match(lines[cons.findings[1]!.line - 1]!, /Kernel panic/);
  const inc = (await (await req(`/api/v1/incidents/${FAKE_INCIDENT_ID}`, { token: VIEWER })).json()) as { state: string; posterior: Array<{ cause: string; probability: number }>; steps: Array<{ remedy: string; outcome: string }> };
  assert.equal(inc.state, 'diagnosed');
  assert.equal(inc.posterior.length, 13);
  assert.ok(inc.posterior[0]!.probability >= inc.posterior[1]!.probability);
  assert.deepEqual(inc.steps.map((s) => [s.remedy, s.outcome]), [['restore-vm-config', 'failed']]);
  const list = (await (await req('/api/v1/incidents', { token: VIEWER })).json()) as { open: Array<{ id: string; topCause?: { cause: string } }> };
  assert.deepEqual(list.open.map((i) => [i.id, i.topCause?.cause]), [[FAKE_INCIDENT_ID, 'root-device-missing']]);
  const entries = (await (await req('/api/v1/ledger/entries?from=1&limit=2', { token: VIEWER })).json()) as { size: number; entries: Array<{ index: number }> };
  assert.deepEqual(entries.entries.map((e) => e.index), [1, 2]);
  const proof = (await (await req('/api/v1/ledger/entries/2/proof', { token: VIEWER })).json()) as { index: number; size: number; proof: string[]; root: string };
  const { verifyInclusion, leafHash } = await import('../ledger/index.ts');
  const entryBytes = fake.service.ledger.entry(2);
  assert.equal(verifyInclusion(2, proof.size, leafHash(entryBytes), proof.proof.map((p) => Buffer.from(p, 'base64')), Buffer.from(proof.root, 'base64')), null);
});

test('bad input: 400 naming the field, 404 for unknown things and routes, 413 for a big body', async () => {
  const cases: Array<[string, { method?: string; body?: string; token?: string }, number, RegExp]> = [
    ['/api/v1/vms/Bad_Name', {}, 400, /path\.name/],
    ['/api/v1/vms/nosuchvm', {}, 404, /VM "nosuchvm"/],
    ['/api/v1/vms/nosuchvm/boots', {}, 404, /nosuchvm/],
    ['/api/v1/vms/web1/boots?limit=x', {}, 400, /query\.limit/],
    ['/api/v1/boots/..%2F..%2Fetc', {}, 400, /path\.id/],
    ['/api/v1/boots/unknown-boot', {}, 404, /boot "unknown-boot"/],
    ['/api/v1/boots/unknown-boot/console', {}, 404, /unknown-boot/],
    ['/api/v1/incidents/nope', {}, 404, /incident "nope"/],
    ['/api/v1/drills/nope', {}, 404, /drill "nope"/],
    ['/api/v1/ledger/entries/99/proof', {}, 404, /ledger entry "99"/],
    ['/api/v1/ledger/entries/-1/proof', {}, 400, /path\.index/],
    ['/api/v1/ledger/entries?limit=5000', {}, 400, /query\.limit/],
    ['/api/v1/events?vm=..', {}, 400, /query\.vm/],
    ['/api/v1/nothing', {}, 404, /no API route/],
    ['/api/v1/drills', { method: 'POST', body: '{"scenarios":"four","seed":1}', token: OPERATOR }, 400, /body\.scenarios/],
    ['/api/v1/drills', { method: 'POST', body: '{"scenarios":4}', token: OPERATOR }, 400, /body\.seed/],
    ['/api/v1/drills', { method: 'POST', body: '{"scenarios":4,"seed":1,"x":1}', token: OPERATOR }, 400, /body: Unrecognized key.*"x"/],
    ['/api/v1/drills', { method: 'POST', body: '{not json', token: OPERATOR }, 400, /body: not valid JSON/],
    ['/api/v1/drills', { method: 'POST', body: JSON.stringify({ scenarios: 1, seed: 1, pad: 'x'.repeat(70 << 10) }), token: OPERATOR }, 413, /larger than 65536 bytes/],
    ['/api/v1/vms', { method: 'DELETE', token: OPERATOR }, 404, /no route DELETE/],
  ];
  for (const [path, o, status, message] of cases) {
    const res = await req(path, { token: o.token ?? VIEWER, ...o });
    const text = await res.text();
    assert.equal(res.status, status, `${path}: ${text}`);
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    assert.match(body.error.code, /^SERVER_/, path);
    assert.match(body.error.message, message, path);
    assert.doesNotMatch(text, /\n\s+at /, 'no stack trace');
  }
});

test('readyz is 503 until the service is ready; healthz stays 200; both need no token', async () => {
  fake.state.ready = false;
  try {
    assert.equal((await req('/readyz')).status, 503);
    assert.equal((await req('/healthz')).status, 200);
  } finally {
    fake.state.ready = true;
  }
  assert.equal((await req('/readyz')).status, 200);
});

test('a busy drill is 409; a broken handler is 500 with a code and no stack', async () => {
  fake.state.busy = true;
  try {
    const res = await req('/api/v1/drills', { method: 'POST', token: OPERATOR, body: '{"scenarios":1,"seed":1}' });
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'SERVICE_DRILL_BUSY');
  } finally {
    fake.state.busy = false;
  }
  const saved = fake.state.fleet;
  const logs: unknown[] = [];
  const broken = createApp({ service: { ...fake.service, fleet: () => { throw new TypeError('boom at secret/path'); } }, tokens: staticTokenBook({ [VIEWER]: 'viewer' }), events: createEventStream(fake.hub), log: (l) => logs.push(l) });
  const res = await broken.app.request('/api/v1/vms', { headers: { authorization: `Bearer ${VIEWER}` } });
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, 'SERVER_INTERNAL');
  assert.doesNotMatch(text, /boom|secret/);
  assert.equal(logs.length, 1, 'the error is logged');
  fake.state.fleet = saved;
});

test('the dashboard page needs no token and carries the CSP; without a build it says how to build', async () => {
  const res = await req('/');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-security-policy'), CSP);
  assert.match(await res.text(), /npm run build/);
  assert.equal((await req('/nothing.js')).status, 404);
  assert.equal(openApiPath('/a/:b/c/:d'), '/a/{b}/c/{d}');
});

test('a dashboard build is served with the CSP: index, hashed assets, client routes; nothing outside its folder', async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const root = mkdtempSync(join(tmpdir(), 'bootmedic-web-'));
  try {
    mkdirSync(join(root, 'web', 'assets'), { recursive: true });
    writeFileSync(join(root, 'web', 'index.html'), '<!doctype html><title>bootmedic dashboard</title>');
    writeFileSync(join(root, 'web', 'assets', 'app-1234.js'), 'console.log(1)');
    writeFileSync(join(root, 'secret.txt'), 'secret');
    const web = createApp({ service: fake.service, tokens: staticTokenBook({}), events: createEventStream(fake.hub), webRoot: join(root, 'web') }).app;
    const index = await web.request('/');
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type')!, /text\/html/);
    assert.equal(index.headers.get('content-security-policy'), CSP);
    assert.match(await index.text(), /bootmedic dashboard/);
    const js = await web.request('/assets/app-1234.js');
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type')!, /javascript/);
    assert.match(js.headers.get('cache-control')!, /immutable/);
    assert.match(await (await web.request('/vms/web1')).text(), /bootmedic dashboard/, 'a client route gets index.html');
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/.hidden', '/assets/missing.js']) {
      const res = await web.request(p);
      assert.notEqual(await res.clone().text(), 'secret', p);
      assert.equal(res.status, 404, p);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('hand-over and drill reports: served from the home through the record, 404 JSON when there is none, the HTML sandboxed', async () => {
  const ho = (await (await req(`/api/v1/incidents/${FAKE_INCIDENT_ID}/handover`, { token: VIEWER })).json()) as { incidentId: string; markdown: string; report: { reason?: string; forensicSnapshots?: string[] } };
  assert.equal(ho.incidentId, FAKE_INCIDENT_ID);
  assert.match(ho.markdown, /^# Incident inc-0001: web1 handed over/);
  assert.deepEqual(ho.report.forensicSnapshots, ['/x/forensics/inc-0001/step-1']);
  // An incident the store does not know, and a known one without a report: 404 JSON naming it.
  fake.service.store.incidents.open({ id: 'inc-0002', vm: 'db1', detectedAt: 1, openedAt: 1, diagnosis: (fake.service.store.incidents.get(FAKE_INCIDENT_ID)!.diagnosis) as never });
  for (const [path, what] of [['/api/v1/incidents/inc-9999/handover', /incident "inc-9999"/], ['/api/v1/incidents/inc-0002/handover', /hand-over report of incident "inc-0002"/]] as const) {
    const res = await req(path, { token: VIEWER });
    assert.equal(res.status, 404, path);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'SERVER_NOT_FOUND');
    assert.match(body.error.message, what);
  }
  // A path that climbs out of the incidents folder is not an id.
  assert.equal((await req('/api/v1/incidents/..%2F..%2Fetc/handover', { token: VIEWER })).status, 400);

  const html = await req(`/api/v1/drills/${DONE_DRILL}/report.html`, { token: VIEWER });
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-type')!, /^text\/html/);
  assert.match(html.headers.get('content-security-policy')!, /^sandbox; default-src 'none'/);
  assert.equal(await html.text(), REPORT_HTML, 'the file under <home>/drills/<id>/, not the path the summary names');
  const md = await req(`/api/v1/drills/${DONE_DRILL}/report.md`, { token: VIEWER });
  assert.match(md.headers.get('content-type')!, /^text\/markdown/);
  assert.match(await md.text(), /^# Drill drill-done/);
  // A drill the service does not list, and one still running, have no report.
  fake.state.drills.push({ id: 'drill-running', status: 'running', scenarios: 1, seed: 1, done: 0, startedAt: '2026-12-07T03:20:00.000Z' });
  mkdirSync(join(fake.home, 'drills', 'drill-unlisted'), { recursive: true });
  writeFileSync(join(fake.home, 'drills', 'drill-unlisted', 'report.md'), '# secret');
  for (const id of ['drill-unlisted', 'drill-running']) {
    const res = await req(`/api/v1/drills/${id}/report.md`, { token: VIEWER });
    assert.equal(res.status, 404, id);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'SERVER_NOT_FOUND');
  }
  assert.equal((await req(`/api/v1/drills/${DONE_DRILL}/report.md`)).status, 401);
  // A report larger than the writers' bound is refused with a code, without the home's path.
  writeFileSync(join(fake.home, 'drills', DONE_DRILL, 'report.md'), Buffer.alloc(REPORT_MAX_BYTES + 1, 0x61));
  const big = await req(`/api/v1/drills/${DONE_DRILL}/report.md`, { token: VIEWER });
  assert.equal(big.status, 500);
  const err = ((await big.json()) as { error: { code: string; message: string } }).error;
  assert.equal(err.code, 'SERVER_INTERNAL');
  assert.match(err.message, /FILE_TOO_LARGE/);
  assert.ok(!err.message.includes(fake.home), err.message);
});
