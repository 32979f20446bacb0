// Every call the dashboard makes to the bootmedic API (/api/v1), in one place: when a route
// or a field moves on the server, this is the one file to change. The token (a bearer
// token, kept in localStorage) goes on every call; 401/403 become an AuthError.
import type {
  BootConsole, BootOutcome, BootRow, ConsoleLine, DrillDetail, DrillSummary, Evidence, Finding, InclusionProofJson, Incident,
  IncidentSummary, LedgerEntryRow, LedgerHead, VmSummary,
} from './types.ts';

const TOKEN_KEY = 'bootmedic.token';
const BASE = 'api/v1';

/** The server refused the token (401: unknown or missing, 403: its role may not do this). */
export class AuthError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Any other failed call: the HTTP status and the server's message. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  if (token === null) localStorage.removeItem(TOKEN_KEY);
  else localStorage.setItem(TOKEN_KEY, token);
}

const authListeners = new Set<(e: AuthError) => void>();
/** Called whenever a call is refused for its token (the app then shows the sign-in form). */
export function onAuthError(fn: (e: AuthError) => void): () => void {
  authListeners.add(fn);
  return () => authListeners.delete(fn);
}

async function messageOf(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const j = JSON.parse(text) as { error?: { message?: string; code?: string; fix?: string } | string; message?: string };
    if (typeof j.error === 'string') return j.error;
    if (j.error?.message) return `${j.error.code ? `${j.error.code}: ` : ''}${j.error.message}${j.error.fix ? ` (${j.error.fix})` : ''}`;
    if (j.message) return j.message;
  } catch {
    // not JSON: the text itself
  }
  return text.slice(0, 200) || res.statusText;
}

async function call<T>(path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<T> {
  const headers = new Headers(init.headers);
  const token = getToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  if (init.body !== undefined) headers.set('Content-Type', 'application/json');
  const res = await fetch(`${BASE}${path}`, { ...init, headers, ...(signal ? { signal } : {}) });
  if (res.status === 401 || res.status === 403) {
    const err = new AuthError(res.status, res.status === 401 ? 'The server did not accept this token.' : `This token's role may not do that (${await messageOf(res)}).`);
    if (res.status === 401) authListeners.forEach((fn) => fn(err));
    throw err;
  }
  if (!res.ok) throw new ApiError(res.status, `${res.status}: ${await messageOf(res)}`);
  return (await res.json()) as T;
}

const enc = encodeURIComponent;

// ---- Adapters: the server's JSON (docs/api.md, src/server/schemas.ts) to the shapes the
// pages use (types.ts). They accept the older draft field names too, so a field that moves
// on the server is fixed here, not in a page.

type Json = Record<string, unknown>;
const rec = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** Only the keys whose value is defined (exactOptionalPropertyTypes). */
function defined<T extends Json>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

/** A boot's cause as one word: the server may send a string or the supervisor's cause object. */
function causeText(v: unknown): string {
  if (typeof v === 'string') return v;
  const c = rec(v);
  return str(c['family']) ?? str(c['finding']) ?? str(c['component']) ?? str(c['layer']) ?? '';
}

function toBootRow(v: unknown): BootRow {
  const b = rec(v);
  return defined({
    bootId: str(b['bootId']) ?? str(b['id']) ?? '?',
    status: str(b['status']) ?? 'unknown',
    cause: causeText(b['cause']),
    phase: str(b['phase']),
    reason: str(b['reason']) ?? '',
    startedAt: str(b['startedAt']) ?? '',
    durationMs: num(b['durationMs']) ?? 0,
    timeline: arr(b['timeline']).map((t) => ({ phase: str(rec(t)['phase']) ?? '?', atMs: num(rec(t)['atMs']) ?? 0 })),
    findings: Array.isArray(b['findings']) ? (b['findings'] as Finding[]) : undefined,
    hasTimeline: Array.isArray(b['timeline']),
  }) as BootRow;
}

function toBoot(v: unknown): BootOutcome {
  const b = rec(v);
  return { ...toBootRow(v), vm: str(b['vm']) ?? '', phase: str(b['phase']) ?? '', findings: arr(b['findings']) as Finding[], evidence: arr(b['evidence']) as Evidence[] };
}

function toConsole(v: unknown): BootConsole {
  const c = rec(v);
  if (Array.isArray(c['lines'])) return { lines: c['lines'] as ConsoleLine[], findingLines: arr(c['findingLines']).filter((n): n is number => typeof n === 'number') };
  const text = str(c['text']) ?? '';
  const first = num(c['firstLine']) ?? 1;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return {
    lines: lines.map((t, i) => ({ no: first + i, text: t })),
    findingLines: arr(c['findings']).map((f) => num(rec(f)['line'])).filter((n): n is number => n !== undefined),
  };
}

function toIncidentSummary(v: unknown): IncidentSummary {
  const i = rec(v);
  return defined({
    id: str(i['id']) ?? '?',
    vm: str(i['vm']) ?? '',
    status: str(i['status']) ?? 'unknown',
    detectedAt: str(i['detectedAt']) ?? num(i['detectedAt']) ?? '',
    closedAt: str(i['closedAt']) ?? num(i['closedAt']),
    mttrMs: num(i['mttrMs']),
  }) as IncidentSummary;
}

/** The diagnosis's explanation (src/diagnose Explanation, or lines already) as readable lines. */
function explanationLines(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  if (typeof v === 'string') return [v];
  const e = rec(v);
  const out: string[] = [];
  const summary = str(e['summary']);
  if (summary) out.push(summary);
  const bits = (n: number) => `${n > 0 ? '+' : ''}${n.toFixed(1)} bits`;
  for (const x of arr(e['evidence'])) {
    const o = rec(x);
    const moved = [...arr(o['raised']), ...arr(o['lowered'])].map((m) => `${str(rec(m)['cause'])} ${bits(num(rec(m)['bits']) ?? 0)}`);
    out.push(`${str(o['detail']) ?? str(o['evidence']) ?? '?'}${moved.length ? `: ${moved.join(', ')}` : ''}`);
  }
  return out;
}

function stepResult(o: Json): string | undefined {
  const d = o['detail'];
  if (d === undefined || d === null) return undefined;
  if (typeof d === 'string') return d;
  const r = rec(d);
  if (Object.keys(r).length === 0) return undefined;
  const parts = [str(r['status']) && `boot ${str(r['status'])}`, str(r['bootId']) && `(${str(r['bootId'])})`, str(r['reason']), str(r['error']), str(r['fix']) && `fix: ${str(r['fix'])}`].filter(Boolean);
  return parts.length ? parts.join(' ') : JSON.stringify(d);
}

function toIncident(v: unknown): Incident {
  const i = rec(v);
  const causes = arr(i['posterior'] ?? i['causes'] ?? rec(i['diagnosis'])['causes']).map((c) => ({ cause: str(rec(c)['cause']) ?? '?', probability: num(rec(c)['probability']) ?? 0 }));
  const forensics = Array.isArray(i['forensics']) ? (i['forensics'] as unknown[]).map(String).join(', ') : str(i['forensic']);
  const status = str(i['status']) ?? 'unknown';
  const handOver = i['handOver'] !== undefined ? rec(i['handOver']) : status === 'handed-over' ? defined({ reason: str(i['reason']) }) : undefined;
  return defined({
    ...toIncidentSummary(v),
    bootId: str(i['bootId']),
    evidence: arr(i['evidence']) as Evidence[],
    // The leading causes: the top three, and any other above 1 %.
    causes: causes.sort((a, b) => b.probability - a.probability).filter((c, n) => n < 3 || c.probability >= 0.01).slice(0, 8),
    explanation: explanationLines(i['explanation'] ?? rec(i['diagnosis'])['explanation']),
    steps: arr(i['steps']).map((x) => {
      const o = rec(x);
      return defined({
        seq: num(o['seq']) ?? 0,
        remedy: str(o['remedy']) ?? '?',
        status: str(o['outcome']) ?? str(o['status']) ?? (str(o['state']) === 'done' ? 'done' : 'running'),
        result: str(o['result']) ?? stepResult(o),
        startedAt: str(o['startedAt']),
        endedAt: str(o['finishedAt']) ?? str(o['endedAt']),
      });
    }),
    forensic: forensics || undefined,
    handOver,
    fixedBy: str(i['fixedBy']),
  }) as Incident;
}

function toLedgerHead(v: unknown): LedgerHead {
  const l = rec(v);
  return { size: num(l['size']) ?? 0, checkpoint: str(l['checkpoint']) ?? '', publicKey: str(l['vkey']) ?? str(l['publicKey']) ?? '' };
}

function toEntries(v: unknown): LedgerEntryRow[] {
  const list = Array.isArray(v) ? v : arr(rec(v)['entries']);
  return list.map((x) => {
    const o = rec(x);
    const e = o['entry'] !== undefined ? rec(o['entry']) : o;
    return { ...(e as Json), index: num(o['index']) ?? -1, type: str(e['type']) ?? '?', data: e['data'] } as LedgerEntryRow;
  });
}

function toProof(v: unknown): InclusionProofJson {
  const p = rec(v);
  return defined({
    index: num(p['index']) ?? -1,
    size: num(p['size']) ?? 0,
    leafHash: str(p['leafHash']) ?? '',
    proof: arr(p['proof']).map(String),
    checkpoint: str(p['checkpoint']) ?? '',
    entry: str(p['entry']),
  }) as InclusionProofJson;
}

/** A VM's boots, newest first, each with its phase timeline (fetched per boot when the list has none). */
async function bootsWithTimelines(name: string, s?: AbortSignal): Promise<BootRow[]> {
  const rows = arr(await call<unknown>(`/vms/${enc(name)}/boots?limit=30`, {}, s)).map(toBootRow);
  const need = rows.slice(0, 15).filter((r) => !r.hasTimeline);
  const details = await Promise.all(need.map((r) => call<unknown>(`/boots/${enc(r.bootId)}`, {}, s).then(toBootRow, () => undefined)));
  const byId = new Map(details.filter((d): d is BootRow => d !== undefined).map((d) => [d.bootId, d]));
  return rows.map((r) => {
    const d = byId.get(r.bootId);
    return d ? { ...r, timeline: d.timeline, cause: r.cause || d.cause, hasTimeline: true } : r;
  });
}

/** An incident with its evidence lines (from its boot when the incident row has none). */
async function incidentWithEvidence(id: string, s?: AbortSignal): Promise<Incident> {
  const inc = toIncident(await call<unknown>(`/incidents/${enc(id)}`, {}, s));
  if (inc.evidence.length > 0 || inc.bootId === undefined) return inc;
  const boot = await call<unknown>(`/boots/${enc(inc.bootId)}`, {}, s).then(toBoot, () => undefined);
  if (boot === undefined) return inc;
  const lines = boot.evidence.length > 0 ? boot.evidence : boot.findings.filter((f) => f.stopsBoot !== false).flatMap((f) => f.evidence);
  return { ...inc, evidence: lines };
}

export const api = {
  vms: (s?: AbortSignal) => call<VmSummary[]>('/vms', {}, s),
  vm: (name: string, s?: AbortSignal) => call<VmSummary>(`/vms/${enc(name)}`, {}, s),
  boots: bootsWithTimelines,
  boot: (id: string, s?: AbortSignal) => call<unknown>(`/boots/${enc(id)}`, {}, s).then(toBoot),
  bootConsole: (id: string, s?: AbortSignal) => call<unknown>(`/boots/${enc(id)}/console`, {}, s).then(toConsole),
  incidents: async (s?: AbortSignal) => {
    const v = await call<unknown>('/incidents', {}, s);
    const all = Array.isArray(v) ? v : [...arr(rec(v)['open']), ...arr(rec(v)['recent'])];
    const seen = new Set<string>();
    return all.map(toIncidentSummary).filter((i) => !seen.has(i.id) && seen.add(i.id));
  },
  incident: incidentWithEvidence,
  drills: (s?: AbortSignal) => call<DrillSummary[]>('/drills', {}, s),
  drill: (id: string, s?: AbortSignal) => call<DrillDetail>(`/drills/${enc(id)}`, {}, s),
  startDrill: (scenarios: number, seed: number) => call<DrillSummary>('/drills', { method: 'POST', body: JSON.stringify({ scenarios, seed }) }),
  ledger: (s?: AbortSignal) => call<unknown>('/ledger', {}, s).then(toLedgerHead),
  ledgerEntries: (from: number, limit: number, s?: AbortSignal) => call<unknown>(`/ledger/entries?from=${from}&limit=${limit}`, {}, s).then(toEntries),
  ledgerProof: (index: number, s?: AbortSignal) => call<unknown>(`/ledger/entries/${index}/proof`, {}, s).then(toProof),
};

/** The SSE URL (EventSource cannot send headers, so the token rides in the query). */
export function eventsUrl(token: string, vm?: string): string {
  return `${BASE}/events?access_token=${enc(token)}${vm ? `&vm=${enc(vm)}` : ''}`;
}

/** The kinds of SSE event the server sends (the ServiceEvent kinds plus `reload`). */
export const EVENT_KINDS = ['boot', 'heal', 'console', 'vm-state', 'drill', 'drill-end', 'ledger', 'reload'] as const;
