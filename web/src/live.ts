// The one SSE connection of the page. Each event is handed to the subscribers; a `reload`
// event, a gap in the sequence numbers, or a reconnect after a drop is handed on as
// `{ kind: 'reload' }`: every view then refetches what it shows.
import { EVENT_KINDS, eventsUrl } from './api.ts';
import type { ServiceEvent, Stamped } from './types.ts';

export type LiveEvent = ServiceEvent | { kind: 'reload' };
export type LiveStatus = 'connecting' | 'live' | 'down';

type Listener = (e: LiveEvent) => void;

const listeners = new Set<Listener>();
const statusListeners = new Set<(s: LiveStatus) => void>();
let source: EventSource | null = null;
let retry: ReturnType<typeof setTimeout> | undefined;
let lastSeq = -1;
let status: LiveStatus = 'down';
let droppedOnce = false;
let backoffMs = 500;

function setStatus(s: LiveStatus): void {
  if (s === status) return;
  status = s;
  statusListeners.forEach((fn) => fn(s));
}

function emit(e: LiveEvent): void {
  for (const fn of listeners) {
    try {
      fn(e);
    } catch (err) {
      console.error('live listener failed', err);
    }
  }
}

function onMessage(kind: string, msg: MessageEvent<string>): void {
  if (kind === 'reload') {
    emit({ kind: 'reload' });
    return;
  }
  let stamped: Stamped;
  try {
    stamped = JSON.parse(msg.data) as Stamped;
  } catch {
    return;
  }
  const seq = typeof stamped.seq === 'number' ? stamped.seq : Number(msg.lastEventId);
  if (lastSeq >= 0 && Number.isFinite(seq) && seq > lastSeq + 1) emit({ kind: 'reload' });
  if (Number.isFinite(seq)) lastSeq = Math.max(lastSeq, seq);
  if (stamped.event && typeof stamped.event === 'object') emit(stamped.event);
}

/** Opens (or re-opens) the stream with this token. */
export function connect(token: string): void {
  disconnect();
  setStatus('connecting');
  const es = new EventSource(eventsUrl(token));
  source = es;
  es.onopen = () => {
    backoffMs = 500;
    setStatus('live');
    // After a drop the server may have replayed from Last-Event-ID, or not: refetch anyway.
    if (droppedOnce) emit({ kind: 'reload' });
  };
  es.onerror = () => {
    droppedOnce = true;
    if (es.readyState === EventSource.CLOSED) {
      // The browser gave up (a non-200 answer, e.g. a token revoked): retry ourselves.
      setStatus('down');
      es.close();
      retry = setTimeout(() => source === es && connect(token), backoffMs);
      backoffMs = Math.min(backoffMs * 2, 15_000);
    } else {
      setStatus('connecting');
    }
  };
  for (const kind of EVENT_KINDS) es.addEventListener(kind, (m) => onMessage(kind, m as MessageEvent<string>));
  // A server that sends unnamed events: the kind is in the payload.
  es.onmessage = (m: MessageEvent<string>) => onMessage('message', m);
}

export function disconnect(): void {
  clearTimeout(retry);
  source?.close();
  source = null;
  lastSeq = -1;
  droppedOnce = false;
  setStatus('down');
}

export function subscribe(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function onStatus(fn: (s: LiveStatus) => void): () => void {
  statusListeners.add(fn);
  fn(status);
  return () => statusListeners.delete(fn);
}
