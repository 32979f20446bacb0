// A QMP client (QEMU Machine Protocol, docs/interop/qmp-spec.rst): one JSON object per
// line over a unix socket. The server greets with {"QMP": {...}}; the client must send
// qmp_capabilities before any other command; replies carry the command's "id"; events
// ({"event", "data", "timestamp"}) may arrive at any time, interleaved with replies.
import { connect, type Socket } from 'node:net';
import { hvErrors } from '../errors.ts';
import { decodeQmpLine, type QmpEvent, type QmpGreeting, type QmpMessage } from './qmp-message.ts';

export type { QmpEvent, QmpGreeting } from './qmp-message.ts';

/** A connected, negotiated QMP session. */
export type QmpClient = {
  readonly greeting: QmpGreeting;
  execute(command: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<unknown>;
  onEvent(fn: (ev: QmpEvent) => void): () => void;
  /** Resolves when the connection closes (QEMU exited or we closed it). */
  readonly closed: Promise<void>;
  close(): void;
};

/** Longest QMP line accepted; a peer that never sends a newline cannot make us buffer forever. */
const MAX_LINE = 4 << 20;

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout; command: string };

/**
 * Connects to a QMP unix socket, reads the greeting and negotiates capabilities.
 * Rejects with HV_QMP_TIMEOUT when the peer stays silent for `timeoutMs`.
 */
export function connectQmp(path: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<QmpClient> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolveConnect, rejectConnect) => {
    const sock: Socket = connect(path);
    let buf = '';
    let greeting: QmpGreeting | undefined;
    let nextId = 1;
    let connected = false;
    const pending = new Map<string, Pending>();
    const listeners = new Set<(ev: QmpEvent) => void>();
    let closedResolve: () => void = () => {};
    const closed = new Promise<void>((r) => (closedResolve = r));

    const fail = (e: unknown) => {
      clearTimeout(greetTimer);
      sock.destroy();
      if (!connected) rejectConnect(e);
    };
    const greetTimer = setTimeout(() => fail(hvErrors.make('HV_QMP_TIMEOUT', `QMP socket ${path} did not greet within ${timeoutMs} ms`)), timeoutMs);
    const onAbort = () => fail(hvErrors.make('HV_ABORTED', `QMP connect to ${path} aborted`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const execute = (command: string, args?: Record<string, unknown>, cmdTimeout = timeoutMs): Promise<unknown> =>
      new Promise((resolve, reject) => {
        if (sock.destroyed) return reject(hvErrors.make('HV_QMP_CLOSED', `QMP ${command}: connection is closed`));
        const id = `bm-${nextId++}`;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(hvErrors.make('HV_QMP_TIMEOUT', `QMP ${command}: no reply within ${cmdTimeout} ms`));
        }, cmdTimeout);
        pending.set(id, { resolve, reject, timer, command });
        sock.write(JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\n');
      });

    const client: QmpClient = {
      get greeting() {
        return greeting!;
      },
      execute,
      onEvent(fn) {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
      closed,
      close: () => sock.end(),
    };

    const handle = (msg: QmpMessage) => {
      if (greeting === undefined) {
        if (msg.type !== 'greeting') return fail(hvErrors.make('HV_QMP_PROTOCOL', `QMP socket ${path}: first message is not a QMP greeting`));
        greeting = msg.greeting;
        execute('qmp_capabilities').then(
          () => {
            clearTimeout(greetTimer);
            opts.signal?.removeEventListener('abort', onAbort);
            connected = true;
            resolveConnect(client);
          },
          (e) => fail(e),
        );
        return;
      }
      if (msg.type === 'event') {
        for (const fn of [...listeners]) fn(msg.event);
        return;
      }
      if (msg.type !== 'return' && msg.type !== 'error') return;
      const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
      if (p === undefined || msg.id === undefined) return;
      pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.type === 'error') p.reject(hvErrors.make('HV_QMP_ERROR', `QMP ${p.command}: ${msg.errorClass}: ${msg.desc}`, { details: { error: msg.error } }));
      else p.resolve(msg.value);
    };

    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === '') continue;
        let msg: QmpMessage;
        try {
          msg = decodeQmpLine(line, `QMP socket ${path}`);
        } catch (e) {
          return fail(e);
        }
        handle(msg);
      }
      if (buf.length > MAX_LINE) fail(hvErrors.make('HV_QMP_PROTOCOL', `QMP socket ${path}: line longer than ${MAX_LINE} bytes`));
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (!connected) fail(hvErrors.make('HV_QMP_CONNECT', `QMP socket ${path}: ${e.code ?? e.message}`, { cause: e, details: { errno: e.code } }));
    });
    sock.on('close', () => {
      clearTimeout(greetTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        pending.delete(id);
        p.reject(hvErrors.make('HV_QMP_CLOSED', `QMP ${p.command}: connection closed before the reply`));
      }
      if (!connected) rejectConnect(hvErrors.make('HV_QMP_CLOSED', `QMP socket ${path} closed before negotiation`));
      closedResolve();
    });
  });
}
