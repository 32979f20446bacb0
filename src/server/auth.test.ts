import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runToolSync } from '../core/index.ts';
import { createFakeService, type FakeService } from '../../testkit/index.ts';
import {
  checkPlainHttp, createApp, createAuthThrottle, createEventStream, createServer, createToken, fileTokenBook, isLoopback, parseListen,
  revokeToken, staticTokenBook, tokenFilePath,
} from './index.ts';

let fake: FakeService;
const dir = mkdtempSync(join(tmpdir(), 'bootmedic-auth-test-'));
before(async () => {
  fake = await createFakeService();
});
after(async () => {
  await fake.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

test('the throttle blocks an address after max failures until its window ends, and forgets old addresses past its cap', () => {
  let now = 1_000;
  const t = createAuthThrottle({ max: 3, windowMs: 60_000, maxAddresses: 2, now: () => now });
  for (let i = 0; i < 3; i++) {
    assert.equal(t.blockedFor('a'), 0);
    t.fail('a');
  }
  assert.equal(t.blockedFor('a'), 60_000);
  assert.equal(t.blockedFor('b'), 0, 'another address is not blocked');
  now += 59_000;
  assert.equal(t.blockedFor('a'), 1_000);
  now += 1_000;
  assert.equal(t.blockedFor('a'), 0, 'the window is over');
  t.fail('x');
  t.fail('y');
  t.fail('z');
  assert.equal(t.size(), 2, 'bounded memory');
});

test('repeated wrong tokens from one address get 429 with Retry-After, even with a right token; others are not affected', async () => {
  const good = 'the-right-token-0123456789';
  const { app } = createApp({ service: fake.service, tokens: staticTokenBook({ [good]: 'viewer' }), events: createEventStream(fake.hub), throttle: createAuthThrottle({ max: 5, windowMs: 60_000 }) });
  const from = (addr: string, token: string) => app.request('/api/v1/vms', { headers: { authorization: `Bearer ${token}` } }, { incoming: { socket: { remoteAddress: addr, remotePort: 1, remoteFamily: 'IPv4' } } });
  for (let i = 0; i < 5; i++) assert.equal((await from('10.0.0.9', `guess-${i}`)).status, 401);
  const blocked = await from('10.0.0.9', good);
  assert.equal(blocked.status, 429);
  assert.ok(Number(blocked.headers.get('retry-after')) > 0);
  assert.equal(((await blocked.json()) as { error: { code: string } }).error.code, 'SERVER_AUTH_THROTTLED');
  assert.equal((await from('10.0.0.10', good)).status, 200);
});

test('the file token book sees created and revoked tokens after its TTL; a broken file keeps the last good tokens', () => {
  const home = join(dir, 'book');
  const a = createToken(home, 'viewer');
  let now = 0;
  const errors: unknown[] = [];
  const book = fileTokenBook(tokenFilePath(home), { ttlMs: 2000, now: () => now, onError: (e) => errors.push(e) });
  assert.equal(book.check(a.token)?.id, a.id);
  const b = createToken(home, 'operator');
  assert.equal(book.check(b.token), undefined, 'not re-read within the TTL');
  now = 2000;
  assert.equal(book.check(b.token)?.role, 'operator');
  revokeToken(home, a.id);
  now = 4000;
  assert.equal(book.check(a.token), undefined, 'revoked');
  writeFileSync(tokenFilePath(home), '{"version":1,"tokens":[{"id":"zz"}]}');
  now = 6000;
  assert.equal(book.check(b.token)?.role, 'operator', 'kept');
  assert.equal(errors.length, 1);
  assert.throws(() => fileTokenBook(tokenFilePath(home)), (e: Error & { code?: string }) => e.code === 'SERVER_BAD_TOKEN_FILE' && /tokens\.0\.id/.test(e.message));
});

test('listen addresses: parsing, loopback, and the plain-HTTP rule', () => {
  assert.deepEqual(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListen(':9000'), { host: '127.0.0.1', port: 9000 });
  for (const bad of ['8080', 'host:99999', '[nothex]:1', 'a b:1']) assert.throws(() => parseListen(bad), (e: Error & { code?: string }) => e.code === 'SERVER_BAD_LISTEN', bad);
  assert.ok(isLoopback('127.0.0.1') && isLoopback('::1') && isLoopback('localhost') && isLoopback('127.9.9.9'));
  assert.ok(!isLoopback('0.0.0.0') && !isLoopback('192.168.1.4') && !isLoopback('::'));
  assert.throws(() => checkPlainHttp({ host: '0.0.0.0', port: 1 }, undefined, false), (e: Error & { code?: string; exitClass?: string }) => e.code === 'SERVER_PLAIN_HTTP_REFUSED' && e.exitClass === 'usage');
  checkPlainHttp({ host: '0.0.0.0', port: 1 }, undefined, true);
  checkPlainHttp({ host: '0.0.0.0', port: 1 }, { cert: 'c', key: 'k' }, false);
  assert.throws(() => createServer({ service: fake.service, tokens: staticTokenBook({}), config: { listen: { host: '0.0.0.0', port: 0 } } }), /refusing plain HTTP/);
});

test('with TLS files the server speaks HTTPS', { skip: existsSync('/usr/bin/openssl') ? false : 'openssl is not installed' }, async () => {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  runToolSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1']);
  const server = createServer({ service: fake.service, tokens: staticTokenBook({}), config: { listen: { host: '127.0.0.1', port: 0 }, tls: { cert, key } } });
  const { url, port } = await server.listen();
  try {
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/healthz', rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
  } finally {
    await server.close();
  }
});
