// A stand-in for `bootmedic serve` for the dashboard's browser tests: node:http serving
// dist/web/ (with the real server's CSP) and the /api/v1 JSON of docs/api.md (the shapes of
// src/server/schemas.ts) from canned state the test edits, plus an SSE stream the test
// pushes events to. It checks bearer tokens and roles like the real server (401 unknown,
// 403 wrong role). Boots are kept as the dashboard reads them (bootId, timeline, cause,
// findings) and sent in the server's split form (a summary list, then one boot's detail).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Ledger } from '../src/ledger/index.ts';
import { decodeEntry } from '../src/ledger/index.ts';
import type { ServiceEvent, Stamped, VmSummary, DrillSummary } from '../src/service/index.ts';

export type FakeRole = 'viewer' | 'operator';

/** What the fake serves; the test mutates it, then pushes the event that announces it. */
/** A boot as the fake keeps it. */
export type FakeBoot = {
  bootId: string;
  status: string;
  cause: string;
  reason: string;
  startedAt: string;
  durationMs: number;
  timeline: { phase: string; atMs: number }[];
  findings?: { id: string; title: string; family: string; phase: string; evidence: { line: number; text: string }[]; [k: string]: unknown }[];
  evidence?: { line: number; text: string }[];
};

/** An incident in the server's shape (IncidentDetail of src/server/schemas.ts). */
export type FakeIncident = {
  id: string; vm: string; status: string; bootId?: string; openedAt: string; detectedAt: string; closedAt?: string; mttrMs?: number; fixedBy?: string; reason?: string;
  state: string;
  posterior: { cause: string; probability: number }[];
  diagnosis: { causes: { cause: string; probability: number }[]; explanation: unknown };
  steps: { seq: number; remedy: string; state: string; outcome?: string; startedAt: string; finishedAt?: string; detail?: unknown }[];
  attempts: number;
  forensics: string[];
};

export type FakeApiState = {
  vms: VmSummary[];
  /** Boots per VM, newest first. */
  boots: Record<string, FakeBoot[]>;
  /** Console lines per boot id (numbered from 1). */
  consoles: Record<string, string[]>;
  incidents: Record<string, FakeIncident>;
  drills: Record<string, DrillSummary & { report?: unknown }>;
  /** Hand-over reports by incident id (GET /incidents/{id}/handover). */
  handOvers: Record<string, { markdown: string; report: unknown }>;
  /** A finished drill's report files by drill id (GET /drills/{id}/report.html|md). */
  drillFiles: Record<string, { html: string; md: string }>;
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
  /** Ends every SSE response (a dropped connection: the browser reconnects by itself). */
  dropClients(): void;
  /** Called on POST /drills (operator): returns the drill it started. */
  onStartDrill?: (req: { scenarios: number; seed: number }) => DrillSummary;
  close(): Promise<void>;
};

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json' };
/** The policy the real server sends with the page. */
export const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'";

/** The policy the real server sends with a drill's HTML report. */
export const REPORT_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";

/** Starts the fake on 127.0.0.1 (a free port); `webDir` is the built dashboard. */
export async function startFakeApi(opts: { webDir: string; tokens: Record<string, FakeRole>; state?: Partial<FakeApiState>; ledger?: Ledger }): Promise<FakeApi> {
  const state: FakeApiState = { vms: [], boots: {}, consoles: {}, incidents: {}, drills: {}, handOvers: {}, drillFiles: {}, ...opts.state };
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
  const fail = (res: ServerResponse, status: number, code: string, message: string, fix: string) => json(res, status, { error: { code, message, fix } });
  const notFound = (res: ServerResponse, what: string) => fail(res, 404, 'SERVER_NOT_FOUND', `${what} not found`, 'Check the name or id.');
  const findBoot = (id: string): [string, FakeBoot] | undefined => {
    for (const [vm, list] of Object.entries(state.boots)) for (const b of list) if (b.bootId === id) return [vm, b];
    return undefined;
  };
  const bootSummary = (vm: string, b: FakeBoot) => ({ id: b.bootId, vm, imageKey: 'fake', startedAt: b.startedAt, status: b.status, phase: b.timeline.at(-1)?.phase ?? 'firmware', reason: b.reason, accel: 'tcg', durationMs: b.durationMs });
  const incidentRow = (i: FakeIncident) => {
    const { state: _s, posterior, diagnosis: _d, steps: _st, attempts: _a, forensics: _f, ...row } = i;
    return { ...row, ...(posterior[0] ? { topCause: posterior[0] } : {}) };
  };

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
    dropClients() {
      for (const res of sse) res.destroy();
      sse.clear();
    },
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
    [/^\/vms\/([^/]+)\/boots$/, (m, url, _q, res) => json(res, 200, (state.boots[m[1]!] ?? []).slice(0, Number(url.searchParams.get('limit') ?? 50)).map((b) => bootSummary(m[1]!, b)))],
    [/^\/boots\/([^/]+)$/, (m, _u, _q, res) => {
      const found = findBoot(m[1]!);
      if (!found) return notFound(res, `boot ${m[1]}`);
      const [vm, b] = found;
      return json(res, 200, { ...bootSummary(vm, b), timeline: b.timeline, cause: b.cause, findings: b.findings ?? [], evidence: b.evidence ?? [], qmpEvents: [], resets: 0 });
    }],
    [/^\/boots\/([^/]+)\/console$/, (m, _u, _q, res) => {
      const found = findBoot(m[1]!);
      if (!found) return notFound(res, `boot ${m[1]}`);
      const lines = state.consoles[m[1]!] ?? [];
      const findings = (found[1].findings ?? []).flatMap((f) => f.evidence.map((e) => ({ line: e.line, findingId: f.id, title: f.title })));
      return json(res, 200, { bootId: m[1], text: lines.map((l) => `${l}\n`).join(''), firstLine: 1, truncated: false, findings });
    }],
    [/^\/incidents$/, (_m, _u, _q, res) => {
      const all = Object.values(state.incidents).sort((a, b) => b.openedAt.localeCompare(a.openedAt));
      return json(res, 200, { open: all.filter((i) => i.status === 'open').map(incidentRow), recent: all.map(incidentRow) });
    }],
    [/^\/incidents\/([^/]+)$/, (m, _u, _q, res) => {
      const i = state.incidents[m[1]!];
      return i ? json(res, 200, { ...i, ...incidentRow(i) }) : notFound(res, `incident ${m[1]}`);
    }],
    [/^\/drills$/, async (_m, _u, req, res, role) => {
      if (req.method !== 'POST') return json(res, 200, Object.values(state.drills).map(({ report: _r, ...d }) => d));
      if (role !== 'operator') return fail(res, 403, 'SERVER_FORBIDDEN', 'starting a drill needs the operator role', 'Use an operator token.');
      let body: { scenarios?: unknown; seed?: unknown };
      try {
        body = JSON.parse(await readBody(req)) as typeof body;
      } catch {
        return fail(res, 400, 'SERVER_BAD_REQUEST', 'body is not JSON', 'Send {"scenarios": N, "seed": S}.');
      }
      if (typeof body.scenarios !== 'number' || typeof body.seed !== 'number') return fail(res, 400, 'SERVER_BAD_REQUEST', 'body.scenarios and body.seed must be numbers', 'Send {"scenarios": N, "seed": S}.');
      const d = api.onStartDrill?.({ scenarios: body.scenarios, seed: body.seed });
      if (!d) return fail(res, 409, 'SERVICE_DRILL_BUSY', 'a drill runs', 'Wait for it to end.');
      state.drills[d.id] = d;
      return json(res, 202, d);
    }],
    [/^\/incidents\/([^/]+)\/handover$/, (m, _u, _q, res) => {
      const h = state.incidents[m[1]!] ? state.handOvers[m[1]!] : undefined;
      return h ? json(res, 200, { incidentId: m[1], ...h }) : notFound(res, `hand-over report of incident ${m[1]}`);
    }],
    [/^\/drills\/([^/]+)\/report\.(html|md)$/, (m, _u, _q, res) => {
      const f = state.drills[m[1]!]?.status === 'done' ? state.drillFiles[m[1]!] : undefined;
      if (!f) return notFound(res, `report of drill ${m[1]}`);
      // The real server's headers: the HTML report sandboxed by its own policy.
      res.writeHead(200, m[2] === 'html' ? { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': REPORT_CSP } : { 'content-type': 'text/markdown; charset=utf-8' });
      res.end(m[2] === 'html' ? f.html : f.md);
    }],
    [/^\/drills\/([^/]+)$/, (m, _u, _q, res) => (state.drills[m[1]!] ? json(res, 200, state.drills[m[1]!]) : notFound(res, `drill ${m[1]}`))],
    [/^\/ledger$/, (_m, _u, _q, res) => {
      const l = opts.ledger;
      if (!l) return notFound(res, 'ledger');
      return json(res, 200, { origin: l.origin, size: l.size, checkpoint: l.checkpoint(), checkpointSize: l.size, root: l.rootAt().toString('base64'), vkey: l.verifier.vkey });
    }],
    [/^\/ledger\/entries$/, (_m, url, _q, res) => {
      const l = opts.ledger;
      if (!l) return notFound(res, 'ledger');
      const limit = Math.min(500, Number(url.searchParams.get('limit') ?? 100));
      const from = Math.min(l.size, Number(url.searchParams.get('from') ?? Math.max(0, l.size - limit)));
      return json(res, 200, { size: l.size, entries: l.entries(from, Math.min(l.size, from + limit)).map(({ index, bytes }) => ({ index, entry: decodeEntry(bytes) ?? null })) });
    }],
    [/^\/ledger\/entries\/(\d+)\/proof$/, (m, _u, _q, res) => {
      const l = opts.ledger;
      if (!l || Number(m[1]) >= l.size) return notFound(res, `ledger entry ${m[1]}`);
      const p = l.inclusionProof(Number(m[1]));
      const b64 = (b: Buffer) => b.toString('base64');
      return json(res, 200, { index: p.index, size: p.size, entry: l.entry(p.index).toString('utf8'), leafHash: b64(p.leafHash), root: b64(p.root), proof: p.proof.map(b64), checkpoint: l.checkpoint() });
    }],
  ];

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (!url.pathname.startsWith('/api/')) return serveStatic(opts.webDir, url.pathname, res);
      const role = roleOf(req, url);
      if (role === undefined) return fail(res, 401, 'SERVER_UNAUTHORIZED', 'a valid bearer token is needed', 'Send Authorization: Bearer <token> (bootmedic token create).');
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
    })().catch((e: unknown) => fail(res, 500, 'SERVER_INTERNAL', String(e), 'A bug in the fake.'));
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
