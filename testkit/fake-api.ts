// A stand-in for `bootmedic serve` for the dashboard's browser tests: node:http serving
// dist/web/ (with the real server's CSP) and the /api/v1 contract from canned state the
// test edits, plus an SSE stream the test pushes events to. It checks bearer tokens and
// roles like the real server (401 unknown, 403 wrong role). Not for production use.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Ledger } from '../src/ledger/index.ts';
import { decodeEntry } from '../src/ledger/index.ts';
import type { ServiceEvent, Stamped, VmSummary, DrillSummary } from '../src/service/index.ts';

export type FakeRole = 'viewer' | 'operator';

/** What the fake serves; the test mutates it, then pushes the event that announces it. */
export type FakeApiState = {
  vms: VmSummary[];
  /** Recent boots per VM, newest first. */
  boots: Record<string, unknown[]>;
  /** GET /boots/{id} */
  bootDetails: Record<string, unknown>;
  /** GET /boots/{id}/console */
  consoles: Record<string, { lines: { no: number; text: string }[]; findingLines: number[] }>;
  /** GET /incidents/{id}; the list is derived. */
  incidents: Record<string, Record<string, unknown> & { id: string; vm: string; status: string; detectedAt: string }>;
  drills: Record<string, DrillSummary & { report?: unknown }>;
};

export type FakeApi = {
  url: string;
  state: FakeApiState;
  /** Stamps and sends an event to every SSE client (and keeps it for replay). */
  push(event: ServiceEvent): Stamped;
  /** Sends a `reload` event (clients refetch everything). */
  reload(): void;
  /** How many SSE clients are connected. */
  clients(): number;
  /** Called on POST /drills (operator): returns the drill it started. */
  onStartDrill?: (req: { scenarios: number; seed: number }) => DrillSummary;
  close(): Promise<void>;
};

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json' };
/** The policy the real server sends with the page. */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Starts the fake on 127.0.0.1 (a free port); `webDir` is the built dashboard. */
export async function startFakeApi(opts: { webDir: string; tokens: Record<string, FakeRole>; state?: Partial<FakeApiState>; ledger?: Ledger }): Promise<FakeApi> {
  const state: FakeApiState = { vms: [], boots: {}, bootDetails: {}, consoles: {}, incidents: {}, drills: {}, ...opts.state };
  const history: Stamped[] = [];
  const sse = new Set<ServerResponse>();
  let seq = 0;

  const send = (res: ServerResponse, kind: string, s: Stamped | null) => {
    res.write(s ? `id: ${s.seq}\nevent: ${kind}\ndata: ${JSON.stringify(s)}\n\n` : `event: ${kind}\ndata: {}\n\n`);
  };

  const roleOf = (req: IncomingMessage, url: URL): FakeRole | undefined => {
    const h = req.headers.authorization;
    const token = h?.startsWith('Bearer ') ? h.slice(7) : url.pathname === '/api/v1/events' ? url.searchParams.get('access_token') : null;
    return token ? opts.tokens[token] : undefined;
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse, what: string) => json(res, 404, { error: { code: 'NOT_FOUND', message: `${what} not found` } });

  const api: FakeApi = {
    url: '',
    state,
    push(event) {
      const s: Stamped = { seq: ++seq, at: new Date().toISOString(), event };
      history.push(s);
      for (const res of sse) send(res, event.kind, s);
      return s;
    },
    reload() {
      for (const res of sse) send(res, 'reload', null);
    },
    clients: () => sse.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of sse) res.end();
        sse.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const routes: [RegExp, (m: string[], url: URL, req: IncomingMessage, res: ServerResponse, role: FakeRole) => void | Promise<void>][] = [
    [/^\/vms$/, (_m, _u, _q, res) => json(res, 200, state.vms)],
    [/^\/vms\/([^/]+)$/, (m, _u, _q, res) => {
      const vm = state.vms.find((v) => v.name === m[1]);
      return vm ? json(res, 200, vm) : notFound(res, `VM ${m[1]}`);
    }],
    [/^\/vms\/([^/]+)\/boots$/, (m, _u, _q, res) => json(res, 200, state.boots[m[1]!] ?? [])],
    [/^\/boots\/([^/]+)$/, (m, _u, _q, res) => (state.bootDetails[m[1]!] ? json(res, 200, state.bootDetails[m[1]!]) : notFound(res, `boot ${m[1]}`))],
    [/^\/boots\/([^/]+)\/console$/, (m, _u, _q, res) => json(res, 200, state.consoles[m[1]!] ?? { lines: [], findingLines: [] })],
    [/^\/incidents$/, (_m, _u, _q, res) => json(res, 200, Object.values(state.incidents).map(({ id, vm, status, detectedAt, closedAt, mttrMs }) => ({ id, vm, status, detectedAt, closedAt, mttrMs })))],
    [/^\/incidents\/([^/]+)$/, (m, _u, _q, res) => (state.incidents[m[1]!] ? json(res, 200, state.incidents[m[1]!]) : notFound(res, `incident ${m[1]}`))],
    [/^\/drills$/, async (_m, _u, req, res, role) => {
      if (req.method !== 'POST') return json(res, 200, Object.values(state.drills).map(({ report: _r, ...d }) => d));
      if (role !== 'operator') return json(res, 403, { error: { code: 'API_FORBIDDEN', message: 'starting a drill needs the operator role' } });
      let body: { scenarios?: unknown; seed?: unknown };
      try {
        body = JSON.parse(await readBody(req)) as typeof body;
      } catch {
        return json(res, 400, { error: { code: 'API_BAD_REQUEST', message: 'body is not JSON' } });
      }
      if (typeof body.scenarios !== 'number' || typeof body.seed !== 'number') return json(res, 400, { error: { code: 'API_BAD_REQUEST', message: 'scenarios and seed must be numbers' } });
      const d = api.onStartDrill?.({ scenarios: body.scenarios, seed: body.seed });
      if (!d) return json(res, 409, { error: { code: 'SERVICE_DRILL_BUSY', message: 'a drill runs' } });
      state.drills[d.id] = d;
      return json(res, 201, d);
    }],
    [/^\/drills\/([^/]+)$/, (m, _u, _q, res) => (state.drills[m[1]!] ? json(res, 200, state.drills[m[1]!]) : notFound(res, `drill ${m[1]}`))],
    [/^\/ledger$/, (_m, _u, _q, res) => {
      const l = opts.ledger;
      if (!l) return notFound(res, 'ledger');
      return json(res, 200, { size: l.size, checkpoint: l.checkpoint(), publicKey: l.verifier.vkey });
    }],
    [/^\/ledger\/entries$/, (_m, url, _q, res) => {
      const l = opts.ledger;
      if (!l) return notFound(res, 'ledger');
      const from = Math.max(0, Number(url.searchParams.get('from') ?? 0));
      const limit = Math.min(500, Number(url.searchParams.get('limit') ?? 100));
      return json(res, 200, l.entries(from, Math.min(l.size, from + limit)).map(({ index, bytes }) => ({ index, ...decodeEntry(bytes) })));
    }],
    [/^\/ledger\/entries\/(\d+)\/proof$/, (m, _u, _q, res) => {
      const l = opts.ledger;
      if (!l || Number(m[1]) >= l.size) return notFound(res, `ledger entry ${m[1]}`);
      const p = l.inclusionProof(Number(m[1]));
      // The real server may send hex or base64; the fake sends hex leaf and base64 path to exercise both.
      return json(res, 200, { index: p.index, size: p.size, leafHash: p.leafHash.toString('hex'), proof: p.proof.map((h) => h.toString('base64')), checkpoint: l.checkpoint() });
    }],
  ];

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (!url.pathname.startsWith('/api/')) return serveStatic(opts.webDir, url.pathname, res);
      const role = roleOf(req, url);
      if (role === undefined) return json(res, 401, { error: { code: 'API_UNAUTHORIZED', message: 'a valid bearer token is needed' } });
      if (url.pathname === '/api/v1/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write('retry: 500\n\n');
        const after = Number(req.headers['last-event-id'] ?? NaN);
        if (Number.isFinite(after)) for (const s of history) if (s.seq > after) send(res, s.event.kind, s);
        sse.add(res);
        req.on('close', () => sse.delete(res));
        return;
      }
      const path = url.pathname.replace(/^\/api\/v1/, '');
      for (const [re, handler] of routes) {
        const m = re.exec(path);
        if (m) return handler(m.map(decodeURIComponent), url, req, res, role);
      }
      return notFound(res, `route ${url.pathname}`);
    })().catch((e: unknown) => json(res, 500, { error: { code: 'FAKE_FAILED', message: String(e) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return api;
}

function serveStatic(dir: string, pathname: string, res: ServerResponse): void {
  const rel = normalize(pathname === '/' ? '/index.html' : pathname).replace(/^(\.\.[/\\])+/, '');
  const file = join(dir, rel);
  if (!file.startsWith(dir) || !existsSync(file)) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': DASHBOARD_CSP, 'x-content-type-options': 'nosniff' });
  res.end(readFileSync(file));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}
