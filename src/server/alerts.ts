// Pushes the service's alerts to Alertmanager (API v2), as Prometheus does: the hub's
// events decide which alerts are active (telemetry/alert-book.ts), each configured
// Alertmanager gets them from its own sender (telemetry/alert-sender.ts), at once on a
// change and again every `resendSeconds` from one shared timer. The hub's subscriber only
// updates the book and schedules a send, so a slow or dead Alertmanager never holds the
// hub up. docs/metrics.md lists the alerts.
import type { Hub, ServiceEvent } from '../service/index.ts';
import { createAlertBook, type Alert } from './telemetry/alert-book.ts';
import { createSender, realTimers, type FetchLike, type Sender, type Timers } from './telemetry/alert-sender.ts';
import { telemetryErrors } from './telemetry/errors.ts';

export type AlerterOptions = Readonly<{
  /** Alertmanager base URLs (e.g. http://127.0.0.1:9093); every alert goes to each. */
  urls: readonly string[];
  /** Active alerts are re-sent this often (Prometheus' --rules.alert.resend-delay); 1 to 86400 (the service config allows 5 to 86400). */
  resendSeconds: number;
  /** Where the dashboard is reached, for the links in the alerts. */
  externalUrl: string;
  fetch?: FetchLike;
  onError?: (e: Error) => void;
  /** The configured VMs (the service's fleet): events of other VMs raise no alert, and at each resend alerts of VMs no longer in it are resolved. */
  fleet?: () => readonly Readonly<{ name: string }>[];
  /** A test's clock and timers. */
  now?: () => number;
  timers?: Timers;
  /** Retry backoff of a failing Alertmanager (defaults 500 ms doubling to 60 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Resolved alerts kept per unreachable Alertmanager (default 1000). */
  maxResolved?: number;
}>;

export type Alerter = Readonly<{
  /** The alerts active now. */
  active(): Alert[];
  /** Per Alertmanager: failures since its last accepted batch, resolved alerts waiting, batches sent. */
  status(): { url: string; failures: number; waiting: number; sent: number }[];
  /** Resolves once no send is scheduled or in flight (tests). */
  settled(): Promise<void>;
  close(): Promise<void>;
}>;

function checkOptions(o: AlerterOptions): void {
  const bad = (m: string) => telemetryErrors.make('ALERTS_BAD_OPTION', m);
  const isHttp = (u: string) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol);
  if (o.urls.length === 0) throw bad('alertmanager: no URL given');
  for (const u of o.urls) if (!isHttp(u)) throw bad(`alertmanager URL "${u}": not an http:// or https:// URL`);
  if (!Number.isFinite(o.resendSeconds) || o.resendSeconds < 1 || o.resendSeconds > 86_400) throw bad(`alertmanager resend interval ${o.resendSeconds} s: must be 1 to 86400 seconds`);
  if (!isHttp(o.externalUrl)) throw bad(`external URL "${o.externalUrl}": not an http:// or https:// URL`);
}

/**
 * Starts pushing the hub's alerts to the configured Alertmanagers.
 * @example
 * const alerter = createAlerter(service.hub, { urls: ['http://127.0.0.1:9093'], resendSeconds: 60, externalUrl: 'http://127.0.0.1:8080' });
 * // ... at shutdown:
 * await alerter.close();
 */
export function createAlerter(hub: Hub, o: AlerterOptions): Alerter {
  checkOptions(o);
  const timers = o.timers ?? realTimers;
  const now = o.now ?? Date.now;
  const resendMs = o.resendSeconds * 1000;
  const book = createAlertBook({ externalUrl: o.externalUrl, now: () => new Date(now()) });
  const onError = o.onError ?? (() => undefined);
  const senders: { url: string; sender: Sender }[] = o.urls.map((url) => ({
    url,
    sender: createSender({
      url,
      fetch: o.fetch ?? (globalThis.fetch as unknown as FetchLike),
      timers,
      now,
      // A firing alert stays valid for four resend intervals (Prometheus' rule), so
      // Alertmanager resolves it by itself if bootmedic stops sending.
      validForMs: 4 * resendMs,
      onError,
      ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}),
      ...(o.maxBackoffMs !== undefined ? { maxBackoffMs: o.maxBackoffMs } : {}),
      ...(o.maxResolved !== undefined ? { maxResolved: o.maxResolved } : {}),
    }),
  }));
  let closed = false;
  let soon: unknown;
  let resend: unknown;

  const flush = () => {
    soon = undefined;
    if (closed) return;
    const active = book.active();
    const resolved = book.takeResolved();
    for (const s of senders) s.sender.offer(active, resolved);
  };
  const schedule = () => {
    if (soon === undefined && !closed) soon = timers.set(flush, 0);
  };
  const tick = () => {
    resend = timers.set(tick, resendMs);
    if (o.fleet !== undefined) book.keepOnly(new Set(o.fleet().map((v) => v.name)));
    if (book.active().length > 0 || book.hasResolved()) flush();
  };
  resend = timers.set(tick, resendMs);

  /** With a fleet, events of VMs outside it (a drill's scratch VMs) raise no alert. */
  const watched = (e: ServiceEvent): boolean => {
    if (o.fleet === undefined || !('vm' in e)) return true;
    return o.fleet().some((v) => v.name === e.vm);
  };
  const sub = hub.subscribe((s) => {
    try {
      if (watched(s.event) && book.apply(s.event)) schedule();
    } catch (e) {
      // An event of a shape the book does not expect must not cost the hub its other listeners.
      onError(e instanceof Error ? e : new Error(String(e)));
    }
  });

  return {
    active: () => book.active(),
    status: () => senders.map((s) => ({ url: s.url, ...s.sender.status() })),
    async settled() {
      if (soon !== undefined) {
        timers.clear(soon);
        flush();
      }
      await Promise.all(senders.map((s) => s.sender.settled()));
    },
    async close() {
      if (closed) return;
      closed = true;
      sub.unsubscribe();
      if (soon !== undefined) timers.clear(soon);
      if (resend !== undefined) timers.clear(resend);
      await Promise.all(senders.map((s) => s.sender.close()));
    },
  };
}
