// Every call the dashboard makes to the bootmedic API (/api/v1), in one place: when a route
// or a field moves on the server, this is the one file to change. The token (a bearer
// token, kept in localStorage) goes on every call; 401/403 become an AuthError.
import { arr, toBoot, toBootRow, toConsole, toEntries, toHandOver, toIncident, toIncidentList, toLedgerHead, toProof } from './adapt.ts';
import type { BootRow, DrillDetail, DrillSummary, Incident, VmSummary } from './types.ts';

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

/** A call whose answer is a document, not JSON. */
async function text(path: string): Promise<string> {
  const headers = new Headers();
  const token = getToken();
  if (token) headers.set('Authorization', `Bearer ${token}`);
  const res = await fetch(`${BASE}${path}`, { headers });
  if (res.status === 401 || res.status === 403) throw new AuthError(res.status, 'The server did not accept this token.');
  if (!res.ok) throw new ApiError(res.status, `${res.status}: ${await messageOf(res)}`);
  return res.text();
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

/** The incident with its hand-over report merged in, when it has one that can be read. */
async function handOverOf(inc: Incident, s?: AbortSignal): Promise<Incident> {
  try {
    return { ...inc, handOver: toHandOver(await call<unknown>(`/incidents/${enc(inc.id)}/handover`, {}, s), inc.handOver) };
  } catch (e) {
    // None (404), or it cannot be read: the incident still shows, with the reason its row gives.
    if (e instanceof AuthError) throw e;
    return inc;
  }
}

/** An incident with its evidence lines (from its boot when the incident row has none) and its hand-over report. */
async function incidentWithEvidence(id: string, s?: AbortSignal): Promise<Incident> {
  let inc = toIncident(await call<unknown>(`/incidents/${enc(id)}`, {}, s));
  // Only an incident that ended with a hand-over has a report.
  if (inc.status === 'handed-over' || inc.handOver !== undefined) inc = await handOverOf(inc, s);
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
  incidents: (s?: AbortSignal) => call<unknown>('/incidents', {}, s).then(toIncidentList),
  incident: incidentWithEvidence,
  drills: (s?: AbortSignal) => call<DrillSummary[]>('/drills', {}, s),
  drill: (id: string, s?: AbortSignal) => call<DrillDetail>(`/drills/${enc(id)}`, {}, s),
  /** A finished drill's report file as text (a link cannot carry the bearer token, so the page fetches it). */
  drillReport: (id: string, ext: 'html' | 'md') => text(`/drills/${enc(id)}/report.${ext}`),
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
