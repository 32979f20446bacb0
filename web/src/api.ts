// Every call the dashboard makes to the bootmedic API (/api/v1), in one place: when a route
// or a field moves on the server, this is the one file to change. The token (a bearer
// token, kept in localStorage) goes on every call; 401/403 become an AuthError.
import type {
  BootConsole, BootOutcome, BootRow, DrillDetail, DrillSummary, InclusionProofJson, Incident,
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
    const j = JSON.parse(text) as { error?: { message?: string; code?: string } | string; message?: string };
    if (typeof j.error === 'string') return j.error;
    if (j.error?.message) return `${j.error.code ? `${j.error.code}: ` : ''}${j.error.message}`;
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

export const api = {
  vms: (s?: AbortSignal) => call<VmSummary[]>('/vms', {}, s),
  vm: (name: string, s?: AbortSignal) => call<VmSummary>(`/vms/${enc(name)}`, {}, s),
  boots: (name: string, s?: AbortSignal) => call<BootRow[]>(`/vms/${enc(name)}/boots`, {}, s),
  boot: (id: string, s?: AbortSignal) => call<BootOutcome>(`/boots/${enc(id)}`, {}, s),
  bootConsole: (id: string, s?: AbortSignal) => call<BootConsole>(`/boots/${enc(id)}/console`, {}, s),
  incidents: (s?: AbortSignal) => call<IncidentSummary[]>('/incidents', {}, s),
  incident: (id: string, s?: AbortSignal) => call<Incident>(`/incidents/${enc(id)}`, {}, s),
  drills: (s?: AbortSignal) => call<DrillSummary[]>('/drills', {}, s),
  drill: (id: string, s?: AbortSignal) => call<DrillDetail>(`/drills/${enc(id)}`, {}, s),
  startDrill: (scenarios: number, seed: number) => call<DrillSummary>('/drills', { method: 'POST', body: JSON.stringify({ scenarios, seed }) }),
  ledger: (s?: AbortSignal) => call<LedgerHead>('/ledger', {}, s),
  ledgerEntries: (from: number, limit: number, s?: AbortSignal) => call<LedgerEntryRow[]>(`/ledger/entries?from=${from}&limit=${limit}`, {}, s),
  ledgerProof: (index: number, s?: AbortSignal) => call<InclusionProofJson>(`/ledger/entries/${index}/proof`, {}, s),
};

/** The SSE URL (EventSource cannot send headers, so the token rides in the query). */
export function eventsUrl(token: string, vm?: string): string {
  return `${BASE}/events?access_token=${enc(token)}${vm ? `&vm=${enc(vm)}` : ''}`;
}

/** The kinds of SSE event the server sends (the ServiceEvent kinds plus `reload`). */
export const EVENT_KINDS = ['boot', 'heal', 'console', 'vm-state', 'drill', 'drill-end', 'ledger', 'reload'] as const;
