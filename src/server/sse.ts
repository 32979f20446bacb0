import type { Hub, Stamped } from '../service/index.ts';

// The live feed as Server-Sent Events (WHATWG HTML §9.2): every hub event as
// `id: <seq>`, `event: <kind>`, `data: <the stamped event as JSON>`. A client that
// reconnects sends Last-Event-ID and gets what it missed from the hub's replay buffer; when
// some of it has left the buffer it gets `event: reload` first (reload state from the API).
// Cheap per client: one hub subscription and a byte queue; one timer for all the clients'
// heartbeats; each event is encoded once, not once per client. A client that stops reading
// is cut off once its queue passes `maxQueuedBytes`, so it cannot hold memory.

type Client = { ctrl: ReadableStreamDefaultController<Uint8Array>; unsubscribe: () => void; closed: boolean };

export type EventStream = Readonly<{
  /** A response that streams the hub's events; `since` is the client's Last-Event-ID, `vm` a filter. */
  open(opts: { since?: number; vm?: string }): Response;
  clients(): number;
  /** Ends every stream (the server is closing). */
  close(): void;
}>;

const enc = new TextEncoder();

/** The SSE frame of one stamped event. */
export function sseFrame(s: Stamped): string {
  return `id: ${s.seq}\nevent: ${s.event.kind}\ndata: ${JSON.stringify(s)}\n\n`;
}

const vmOf = (s: Stamped): string | undefined => ('vm' in s.event ? s.event.vm : undefined);

export function createEventStream(hub: Hub, opts: { heartbeatMs?: number; maxQueuedBytes?: number } = {}): EventStream {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxQueued = opts.maxQueuedBytes ?? 1 << 20;
  const clients = new Set<Client>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let last: { s: Stamped; bytes: Uint8Array } | undefined;
  const bytesOf = (s: Stamped) => {
    if (last?.s !== s) last = { s, bytes: enc.encode(sseFrame(s)) };
    return last.bytes;
  };
  const HEARTBEAT = enc.encode(': heartbeat\n\n');

  const drop = (c: Client) => {
    if (c.closed) return;
    c.closed = true;
    c.unsubscribe();
    clients.delete(c);
    try {
      c.ctrl.close();
    } catch {
      // already closed or errored by the reader's cancel
    }
    if (clients.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  const send = (c: Client, bytes: Uint8Array) => {
    if (c.closed) return;
    if ((c.ctrl.desiredSize ?? 0) < 0) return drop(c); // it stopped reading
    c.ctrl.enqueue(bytes);
  };

  return Object.freeze({
    open({ since, vm }: { since?: number; vm?: string }) {
      const client: Client = { ctrl: undefined as unknown as Client['ctrl'], unsubscribe: () => {}, closed: false };
      const body = new ReadableStream<Uint8Array>(
        {
          start(ctrl) {
            client.ctrl = ctrl;
            ctrl.enqueue(enc.encode(`retry: 3000\n: bootmedic events from seq ${hub.seq()}\n\n`));
            const replayed: Stamped[] = [];
            let live = false;
            const sub = hub.subscribe(
              (s) => {
                if (vm !== undefined && vmOf(s) !== vm) return;
                if (live) send(client, bytesOf(s));
                else replayed.push(s);
              },
              since === undefined ? {} : { since },
            );
            client.unsubscribe = sub.unsubscribe;
            if (sub.gap) ctrl.enqueue(enc.encode(`event: reload\ndata: ${JSON.stringify({ reason: 'gap', since, seq: hub.seq() })}\n\n`));
            for (const s of replayed) send(client, enc.encode(sseFrame(s)));
            live = true;
            clients.add(client);
            if (timer === undefined) {
              timer = setInterval(() => {
                for (const c of clients) send(c, HEARTBEAT);
              }, heartbeatMs);
              timer.unref();
            }
          },
          cancel() {
            drop(client);
          },
        },
        new ByteLengthQueuingStrategy({ highWaterMark: maxQueued }),
      );
      return new Response(body, {
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' },
      });
    },
    clients: () => clients.size,
    close() {
      for (const c of [...clients]) drop(c);
    },
  });
}
