// A fake QMP server on a temp unix socket, for fast logic tests: it greets like QEMU 7.2,
// requires qmp_capabilities first (as QEMU does: CommandNotFound otherwise), answers
// scripted replies, and emits events on demand. test/hypervisor-fakes.test.ts proves the
// greeting and event shapes match a real QEMU.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringifyExact } from '../src/core/index.ts';

/** A reply: a return value, a QMP error, or silence (to test timeouts). */
export type FakeReply = { return: unknown } | { error: { class: string; desc: string } } | 'silent';

export type FakeQmpOptions = {
  /** Replies by command name; a function sees the arguments. Default: {return: {}}. */
  replies?: Record<string, FakeReply | ((args: Record<string, unknown> | undefined) => FakeReply)>;
  /** Do not greet at all (a socket that never answers). */
  silent?: boolean;
  /** Send this raw text instead of the greeting (protocol errors). */
  rawGreeting?: string;
};

/** The greeting QEMU 7.2 (Debian 1:7.2+dfsg-7+deb12u18) sends, as recorded in ../shared/corpus. */
export const QEMU72_GREETING = { QMP: { version: { qemu: { micro: 22, minor: 2, major: 7 }, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3' }, capabilities: ['oob'] } };

export type FakeQmp = {
  readonly path: string;
  /** Commands received, in order, with their arguments. */
  readonly received: { execute: string; arguments?: Record<string, unknown> }[];
  /** Sends an event to every connected client, with a QEMU-style timestamp; a bigint in `data` is written as an exact JSON integer, as QEMU writes 64-bit values. */
  emit(event: string, data?: Record<string, unknown>): void;
  /** Closes every client connection (QEMU exiting). */
  dropClients(): void;
  close(): Promise<void>;
};

/** Starts a fake QMP server on a fresh socket path. */
export async function startFakeQmp(opts: FakeQmpOptions = {}): Promise<FakeQmp> {
  const dir = mkdtempSync(join(tmpdir(), 'bm-fakeqmp-'));
  const path = join(dir, 'qmp.sock');
  const clients = new Set<Socket>();
  const received: FakeQmp['received'] = [];
  const server: Server = createServer((sock) => {
    clients.add(sock);
    sock.on('close', () => clients.delete(sock));
    sock.on('error', () => {});
    let negotiated = false;
    let buf = '';
    if (opts.rawGreeting !== undefined) sock.write(opts.rawGreeting);
    else if (!opts.silent) sock.write(JSON.stringify(QEMU72_GREETING) + '\r\n');
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as { execute: string; arguments?: Record<string, unknown>; id?: unknown };
        received.push({ execute: msg.execute, ...(msg.arguments ? { arguments: msg.arguments } : {}) });
        const id = msg.id !== undefined ? { id: msg.id } : {};
        if (!negotiated && msg.execute !== 'qmp_capabilities') {
          sock.write(JSON.stringify({ error: { class: 'CommandNotFound', desc: "Expecting capabilities negotiation with 'qmp_capabilities'" }, ...id }) + '\r\n');
          continue;
        }
        if (msg.execute === 'qmp_capabilities') negotiated = true;
        const scripted = opts.replies?.[msg.execute];
        const reply: FakeReply = typeof scripted === 'function' ? scripted(msg.arguments) : (scripted ?? { return: {} });
        if (reply === 'silent') continue;
        sock.write(JSON.stringify({ ...reply, ...id }) + '\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(path, r));
  return {
    path,
    received,
    emit(event, data) {
      const now = Date.now();
      // QEMU writes events as {"timestamp": ..., "event": ..., "data": ...}; data is omitted when empty.
      const msg = { timestamp: { seconds: Math.floor(now / 1000), microseconds: (now % 1000) * 1000 }, event, ...(data ? { data } : {}) };
      for (const c of clients) c.write(stringifyExact(msg) + '\r\n');
    },
    dropClients() {
      for (const c of clients) c.destroy();
    },
    async close() {
      for (const c of clients) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
