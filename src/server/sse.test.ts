import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFakeService, type FakeService } from '../../testkit/index.ts';
import { createHub, type ServiceEvent } from '../service/index.ts';
import { createApp, createEventStream, createServer, staticTokenBook, type EventStream } from './index.ts';

const T = 'viewer-token-for-sse';
let fake: FakeService;
before(async () => {
  fake = await createFakeService();
});
after(async () => fake.cleanup());

const vmState = (vm: string, state: 'booting' | 'ready'): ServiceEvent => ({ kind: 'vm-state', vm, state });
const consoleLine = (vm: string, line: number): ServiceEvent => ({ kind: 'console', vm, bootId: `${vm}-b`, line, text: `line ${line}`, atMs: line });

type Frame = { id?: string; event?: string; data?: string; comment?: string };

/** Reads SSE frames from a body until `until` says stop (or the stream ends). */
async function readFrames(body: ReadableStream<Uint8Array>, until: (frames: Frame[]) => boolean): Promise<{ frames: Frame[]; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const frames: Frame[] = [];
  while (!until(frames)) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const f: Frame = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) f.comment = line.slice(1).trim();
        else if (line.startsWith('id: ')) f.id = line.slice(4);
        else if (line.startsWith('event: ')) f.event = line.slice(7);
        else if (line.startsWith('data: ')) f.data = line.slice(6);
      }
      frames.push(f);
    }
  }
  return { frames, reader };
}
const events = (fs: Frame[]) => fs.filter((f) => f.event !== undefined);

function appOver(hub: ReturnType<typeof createHub>, opts: { heartbeatMs?: number; maxQueuedBytes?: number } = {}): { app: ReturnType<typeof createApp>['app']; stream: EventStream } {
  const stream = createEventStream(hub, opts);
  const { app } = createApp({ service: { ...fake.service, hub }, tokens: staticTokenBook({ [T]: 'viewer' }), events: stream });
  return { app, stream };
}

test('replays after Last-Event-ID, then streams live events, in order, with id and event kind', async () => {
  const hub = createHub();
  const { app, stream } = appOver(hub);
  for (let i = 1; i <= 5; i++) hub.publish(consoleLine('web1', i));
  const res = await app.request('/api/v1/events', { headers: { authorization: `Bearer ${T}`, 'last-event-id': '3' } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type')!, /^text\/event-stream/);
  const first = await readFrames(res.body!, (fs) => events(fs).length >= 2);
  assert.deepEqual(events(first.frames).map((f) => [f.id, f.event]), [['4', 'console'], ['5', 'console']]);
  hub.publish(vmState('web1', 'ready'));
  first.reader.releaseLock();
  const next = await readFrames(res.body!, (fs) => events(fs).length >= 1);
  const f = events(next.frames)[0]!;
  assert.equal(f.id, '6');
  assert.equal(f.event, 'vm-state');
  assert.deepEqual((JSON.parse(f.data!) as { event: unknown }).event, { kind: 'vm-state', vm: 'web1', state: 'ready' });
  assert.equal(stream.clients(), 1);
  await next.reader.cancel();
  assert.equal(stream.clients(), 0, 'cancel drops the client');
  assert.equal(hub.subscribers(), 0, 'and unsubscribes it from the hub');
});

test('a VM filter passes only that VM', async () => {
  const hub = createHub();
  const { app } = appOver(hub);
  hub.publish(vmState('db1', 'booting'));
  hub.publish(vmState('web1', 'booting'));
  hub.publish({ kind: 'ledger', size: 3 });
  hub.publish(consoleLine('web1', 1));
  const res = await app.request('/api/v1/events?vm=web1', { headers: { authorization: `Bearer ${T}`, 'last-event-id': '0' } });
  const { frames, reader } = await readFrames(res.body!, (fs) => events(fs).length >= 2);
  assert.deepEqual(events(frames).map((f) => f.id), ['2', '4']);
  await reader.cancel();
});

test('a client whose events left the replay buffer is told to reload first', async () => {
  const hub = createHub({ buffer: 3 });
  const { app } = appOver(hub);
  for (let i = 1; i <= 10; i++) hub.publish(consoleLine('web1', i));
  const res = await app.request('/api/v1/events', { headers: { authorization: `Bearer ${T}`, 'last-event-id': '2' } });
  const { frames, reader } = await readFrames(res.body!, (fs) => events(fs).length >= 4);
  assert.deepEqual(events(frames).map((f) => f.event ?? ''), ['reload', 'console', 'console', 'console']);
  assert.deepEqual(JSON.parse(events(frames)[0]!.data!), { reason: 'gap', since: 2, seq: 10 });
  await reader.cancel();
});

test('heartbeats are comment lines from one shared timer', async () => {
  const hub = createHub();
  const { app, stream } = appOver(hub, { heartbeatMs: 5 });
  const a = await app.request('/api/v1/events', { headers: { authorization: `Bearer ${T}` } });
  const b = await app.request('/api/v1/events', { headers: { authorization: `Bearer ${T}` } });
  const ra = await readFrames(a.body!, (fs) => fs.some((f) => f.comment === 'heartbeat'));
  const rb = await readFrames(b.body!, (fs) => fs.some((f) => f.comment === 'heartbeat'));
  assert.ok(ra.frames.some((f) => f.comment === 'heartbeat') && rb.frames.some((f) => f.comment === 'heartbeat'));
  await ra.reader.cancel();
  await rb.reader.cancel();
  assert.equal(stream.clients(), 0);
});

test('a client that stops reading is cut off past its queue limit', async () => {
  const hub = createHub();
  const { app, stream } = appOver(hub, { maxQueuedBytes: 2000 });
  const res = await app.request('/api/v1/events', { headers: { authorization: `Bearer ${T}` } });
  assert.equal(stream.clients(), 1);
  for (let i = 0; i < 100; i++) hub.publish(consoleLine('web1', i));
  assert.equal(stream.clients(), 0);
  assert.equal(hub.subscribers(), 0);
  await res.body!.cancel();
});

test('the query token works for the event stream only; a bad Last-Event-ID is 400', async () => {
  const hub = createHub();
  const { app } = appOver(hub);
  const ok = await app.request(`/api/v1/events?access_token=${T}`);
  assert.equal(ok.status, 200);
  await ok.body!.cancel();
  assert.equal((await app.request(`/api/v1/vms?access_token=${T}`)).status, 401);
  const bad = await app.request('/api/v1/events', { headers: { authorization: `Bearer ${T}`, 'last-event-id': 'abc' } });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /header\.last-event-id/);
});

test('over a real socket: events arrive, and closing the connection unsubscribes', async () => {
  const hub = createHub();
  const server = createServer({ service: { ...fake.service, hub }, tokens: staticTokenBook({ [T]: 'viewer' }), config: { listen: { host: '127.0.0.1', port: 0 } } });
  const { url } = await server.listen();
  try {
    const got = await new Promise<string>((resolve, reject) => {
      const req = get(`${url}/api/v1/events?access_token=${T}`, (res) => {
        assert.equal(res.statusCode, 200);
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('event: vm-state')) {
            req.destroy();
            resolve(text);
          }
        });
        hub.publish(vmState('web1', 'ready'));
      });
      req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    });
    assert.match(got, /id: 1\nevent: vm-state\ndata: \{"seq":1/);
    for (let i = 0; i < 200 && hub.subscribers() > 0; i++) await sleep(10);
    assert.equal(hub.subscribers(), 0, 'the closed connection left the hub');
  } finally {
    await server.close();
  }
});

test('closing the server ends open event streams and leaves no subscriber', async () => {
  const hub = createHub();
  const server = createServer({ service: { ...fake.service, hub }, tokens: staticTokenBook({ [T]: 'viewer' }), config: { listen: { host: '127.0.0.1', port: 0 } } });
  const { url } = await server.listen();
  const ended = new Promise<void>((resolve, reject) => {
    const req = get(`${url}/api/v1/events?access_token=${T}`, (res) => {
      res.on('data', () => {});
      res.on('end', () => resolve());
      res.on('error', () => resolve());
      void server.close();
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve() : reject(e)));
  });
  await ended;
  assert.equal(hub.subscribers(), 0);
});
