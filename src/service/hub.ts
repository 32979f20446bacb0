import type { ServiceEvent, Stamped } from './events.ts';

export type Hub = {
  /** Stamps the event and hands it to every subscriber, in order. A subscriber that throws is dropped, never the publisher. */
  publish(event: ServiceEvent): Stamped;
  /**
   * Subscribes. With `since`, first replays the buffered events after that sequence
   * number (an SSE client's Last-Event-ID); `gap` is true when some of them have already
   * left the buffer (the client should reload its state from the API).
   */
  subscribe(fn: (e: Stamped) => void, opts?: { since?: number }): { unsubscribe(): void; gap: boolean };
  /** The last sequence number given out (0 before any). */
  seq(): number;
  /** How many subscribers are attached (a gauge for the metrics). */
  subscribers(): number;
};

/**
 * The service's event hub: one process-local, synchronous fan-out with a bounded replay
 * buffer (default the last 5,000 events), so an SSE client that reconnects gets what it
 * missed and a slow client never holds the producers up (it buffers on its own socket).
 * @example
 * const hub = createHub();
 * const sub = hub.subscribe((e) => console.log(e.seq, e.event.kind));
 * hub.publish({ kind: 'vm-state', vm: 'web1', state: 'booting' });
 * sub.unsubscribe();
 */
export function createHub(opts: { buffer?: number; onSubscriberError?: (e: unknown) => void } = {}): Hub {
  const size = opts.buffer ?? 5000;
  const ring: Stamped[] = [];
  const subs = new Set<(e: Stamped) => void>();
  let seq = 0;
  return {
    publish(event) {
      const s: Stamped = Object.freeze({ seq: ++seq, at: new Date().toISOString(), event });
      ring.push(s);
      if (ring.length > size) ring.splice(0, ring.length - size);
      for (const fn of [...subs]) {
        try {
          fn(s);
        } catch (e) {
          subs.delete(fn);
          opts.onSubscriberError?.(e);
        }
      }
      return s;
    },
    subscribe(fn, o = {}) {
      let gap = false;
      if (o.since !== undefined && o.since < seq) {
        const first = ring[0]?.seq ?? seq + 1;
        gap = o.since + 1 < first;
        for (const s of ring) if (s.seq > o.since) fn(s);
      }
      subs.add(fn);
      return { unsubscribe: () => void subs.delete(fn), gap };
    },
    seq: () => seq,
    subscribers: () => subs.size,
  };
}
