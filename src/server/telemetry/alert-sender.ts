// Delivers alerts to one Alertmanager (API v2, POST <url>/api/v2/alerts), the way Prometheus
// does: every batch holds all active alerts (so a batch that is lost is made good by the
// next) plus the resolved alerts this Alertmanager has not yet accepted. One request is in
// flight at a time; a failure is retried with exponential backoff; while it waits, newer
// state replaces the older, so nothing piles up but the resolved alerts, which are bounded.
import { telemetryErrors } from './errors.ts';
import type { Alert } from './alert-book.ts';

/** The part of fetch the sender uses (a test passes a fake). */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

/** Timers the sender and the alerter use (a test passes a manual clock). */
export type Timers = Readonly<{ set(fn: () => void, ms: number): unknown; clear(handle: unknown): void }>;

/** setTimeout, unref'd: alert timers never keep the process alive. */
export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms).unref(),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export type SenderOptions = Readonly<{
  url: string;
  fetch: FetchLike;
  timers: Timers;
  now: () => number;
  /** How long a firing alert stays valid without being re-sent (its endsAt = now + this). */
  validForMs: number;
  onError: (e: Error) => void;
  /** Resolved alerts kept for an unreachable Alertmanager (default 1000). */
  maxResolved?: number;
  /** First retry delay, doubled after each failure up to maxBackoffMs (defaults 500 ms, 60 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** One request's timeout (default 10 s). */
  timeoutMs?: number;
}>;

export type Sender = Readonly<{
  /** Hands over the alerts active now and those resolved since the last offer; sends soon. */
  offer(active: readonly Alert[], resolved: readonly Alert[]): void;
  /** Failures since the last accepted batch, and resolved alerts waiting. */
  status(): { failures: number; waiting: number; sent: number };
  /** Resolves once no request is in flight. */
  settled(): Promise<void>;
  close(): Promise<void>;
}>;

/** The postableAlert body of one alert: endsAt in the future for a firing alert, the resolution time for a resolved one. */
function postable(a: Alert, endsAt: string) {
  const annotations = Object.fromEntries(Object.entries(a.annotations).filter(([, v]) => v.length > 0));
  return { labels: a.labels, annotations, startsAt: a.startsAt, endsAt: a.endsAt ?? endsAt, generatorURL: a.generatorURL };
}

export function createSender(o: SenderOptions): Sender {
  const endpoint = `${o.url.replace(/\/+$/, '')}/api/v2/alerts`;
  const maxResolved = o.maxResolved ?? 1000;
  const backoff = o.backoffMs ?? 500;
  const maxBackoff = o.maxBackoffMs ?? 60_000;
  const abort = new AbortController();
  let latest: readonly Alert[] = [];
  let resolved: Alert[] = [];
  let dirty = false;
  let inFlight: Promise<void> | undefined;
  let retry: unknown;
  let failures = 0;
  let sent = 0;
  let closed = false;

  const post = async (body: string): Promise<void> => {
    const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(o.timeoutMs ?? 10_000)]);
    const res = await o.fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });
    if (!res.ok) {
      const text = (await res.text().catch(() => '')).slice(0, 200).trim();
      throw new Error(`HTTP ${res.status}${text ? `: ${text}` : ''}`);
    }
  };

  const kick = () => {
    if (closed || inFlight !== undefined || retry !== undefined || !dirty) return;
    dirty = false;
    const batchResolved = resolved;
    const validUntil = new Date(o.now() + o.validForMs).toISOString();
    const body = [...latest.map((a) => postable(a, validUntil)), ...batchResolved.map((a) => postable(a, validUntil))];
    if (body.length === 0) return;
    inFlight = post(JSON.stringify(body))
      .then(
        () => {
          failures = 0;
          sent++;
          const done = new Set(batchResolved);
          resolved = resolved.filter((a) => !done.has(a));
        },
        (e: unknown) => {
          if (closed) return;
          failures++;
          dirty = true;
          const delay = Math.min(maxBackoff, backoff * 2 ** (failures - 1));
          retry = o.timers.set(() => {
            retry = undefined;
            kick();
          }, delay);
          const why = e instanceof Error ? (e.name === 'TimeoutError' ? 'timed out' : e.message) : String(e);
          o.onError(telemetryErrors.make('ALERTS_SEND_FAILED', `Alertmanager ${endpoint}: ${why} (failure ${failures}; retrying in ${delay} ms)`, { cause: e }));
        },
      )
      .finally(() => {
        inFlight = undefined;
        kick();
      });
  };

  return {
    offer(active, newlyResolved) {
      if (closed) return;
      latest = active;
      resolved.push(...newlyResolved);
      if (resolved.length > maxResolved) {
        const dropped = resolved.length - maxResolved;
        resolved = resolved.slice(dropped);
        o.onError(telemetryErrors.make('ALERTS_QUEUE_FULL', `Alertmanager ${endpoint}: ${dropped} resolved alert(s) dropped; ${maxResolved} wait for it already`));
      }
      dirty = true;
      kick();
    },
    status: () => ({ failures, waiting: resolved.length, sent }),
    settled: async () => {
      while (inFlight !== undefined) await inFlight;
    },
    async close() {
      closed = true;
      if (retry !== undefined) o.timers.clear(retry);
      retry = undefined;
      abort.abort();
      await inFlight;
    },
  };
}
