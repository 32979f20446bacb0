// The two event streams of one libvirt URI, shared by everything that watches its domains:
// `virsh event --all --loop --timestamp` (lifecycle: Defined, Started, Crashed, Stopped,
// reboot, ...) and `virsh qemu-monitor-event --loop --timestamp` (QMP: RESET,
// GUEST_PANICKED, SHUTDOWN, ...). Two virsh children however many domains there are. Both
// streams end when libvirtd restarts: each is started again with backoff, and once virsh
// answers again subscribers get a `resync` to catch up from `virsh domstate --reason`.
// Neither stream taints a domain (qemu-monitor-command would).
import { setTimeout as sleep } from 'node:timers/promises';
import { parseEventLine, type LibvirtEvent } from './event-line.ts';
import { virsh, virshStream } from './virsh.ts';

/** What a subscriber hears: a parsed event, a lost stream, or "streams are back: catch up". */
export type HubEvent = LibvirtEvent | { type: 'lost'; stream: 'lifecycle' | 'qmp'; reason: string } | { type: 'resync' };

export type EventHub = Readonly<{
  uri: string;
  /** Events of one domain (and every `lost`/`resync`), or of all domains with '*'. Returns the unsubscribe. */
  subscribe: (domain: string, fn: (e: HubEvent) => void) => () => void;
  /** Resolves once both streams have run for a moment and virsh answers (the first connection). */
  ready: Promise<void>;
  /** Stops both virsh children and waits until they are reaped. */
  close: () => Promise<void>;
}>;

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;

/**
 * Starts the event streams of `uri`.
 * @example
 * const hub = createEventHub('qemu:///system');
 * hub.subscribe('web', (e) => ...); await hub.ready; ... await hub.close();
 */
export function createEventHub(uri: string, o: { signal?: AbortSignal } = {}): EventHub {
  const ctl = new AbortController();
  const onOuterAbort = () => ctl.abort();
  o.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const subs = new Map<string, Set<(e: HubEvent) => void>>();
  const dispatch = (e: HubEvent) => {
    const targets = [...(subs.get('*') ?? [])];
    if (e.type === 'lost' || e.type === 'resync') {
      for (const [k, set] of subs) if (k !== '*') targets.push(...set);
    } else {
      targets.push(...(subs.get(e.domain) ?? []));
    }
    for (const fn of targets) {
      try {
        fn(e);
      } catch {
        // One subscriber's mistake must not stop the others' events.
      }
    }
  };

  let readyCount = 0;
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));

  /** Confirms the connection (virsh answers) a moment after a stream started, then reports it. */
  const confirm = async (first: boolean, alive: () => boolean) => {
    for (let i = 0; i < 50 && !ctl.signal.aborted && alive(); i++) {
      try {
        await virsh(uri, ['list', '--name'], { signal: ctl.signal, timeoutMs: 10_000 });
        if (!alive()) return;
        if (first) {
          if (++readyCount === 2) markReady();
        } else dispatch({ type: 'resync' });
        return;
      } catch {
        await sleep(200, undefined, { signal: ctl.signal }).catch(() => undefined);
      }
    }
  };

  const loop = async (stream: 'lifecycle' | 'qmp', args: string[]) => {
    let delay = BACKOFF_MIN_MS;
    let first = true;
    while (!ctl.signal.aborted) {
      let running = true;
      const startedAt = Date.now();
      const confirmed = confirm(first, () => running);
      const r = await virshStream(uri, args, {
        signal: ctl.signal,
        onLine: (line) => {
          const e = parseEventLine(line);
          if (e !== undefined) dispatch(e);
        },
      }).catch((e: unknown) => ({ ended: 'exit' as const, error: e as Error }));
      running = false;
      await confirmed;
      if (r.ended === 'aborted' || ctl.signal.aborted) break;
      // The first connection may have failed: ready must not wait for ever.
      if (first && readyCount < 2) {
        readyCount++;
        if (readyCount === 2) markReady();
      }
      first = false;
      dispatch({ type: 'lost', stream, reason: r.error?.message ?? `virsh ${args[0]} ended (libvirtd restarted or stopped)` });
      if (Date.now() - startedAt > 10_000) delay = BACKOFF_MIN_MS;
      await sleep(delay, undefined, { signal: ctl.signal }).catch(() => undefined);
      delay = Math.min(BACKOFF_MAX_MS, delay * 2);
    }
  };

  const loops = Promise.all([loop('lifecycle', ['event', '--all', '--loop', '--timestamp']), loop('qmp', ['qemu-monitor-event', '--loop', '--timestamp'])]);
  let closing: Promise<void> | undefined;
  return Object.freeze({
    uri,
    ready,
    subscribe(domain: string, fn: (e: HubEvent) => void) {
      let set = subs.get(domain);
      if (set === undefined) subs.set(domain, (set = new Set()));
      set.add(fn);
      return () => {
        set.delete(fn);
        if (set.size === 0 && subs.get(domain) === set) subs.delete(domain);
      };
    },
    close() {
      closing ??= (async () => {
        ctl.abort();
        o.signal?.removeEventListener('abort', onOuterAbort);
        await loops;
        markReady();
      })();
      return closing;
    },
  });
}
