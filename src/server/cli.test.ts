import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../testkit/index.ts';
import { fileTokenBook } from './index.ts';

const home = mkdtempSync(join(tmpdir(), 'bootmedic-token-cli-'));
after(() => rmSync(home, { recursive: true, force: true }));
const BIN = fileURLToPath(new URL('../../bin/bootmedic.js', import.meta.url));

test('token create prints the token alone on its last line; the file keeps only its hash, mode 0600', async () => {
  const r = await runCli(['token', 'create', '--role', 'operator', '--home', home]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  const token = lines.at(-1)!;
  assert.match(token, /^bmt_[A-Za-z0-9_-]{43}$/);
  const file = readFileSync(join(home, 'tokens.json'), 'utf8');
  assert.ok(!file.includes(token), 'the token itself is not stored');
  assert.equal(statSync(join(home, 'tokens.json')).mode & 0o777, 0o600);
  assert.equal(fileTokenBook(join(home, 'tokens.json')).check(token)?.role, 'operator');
  assert.equal(fileTokenBook(join(home, 'tokens.json')).check(`${token}x`), undefined);
});

test('token list shows ids and roles, revoke removes one, and bad uses fail with the fix', async () => {
  const made = await runCli(['token', 'create', '--role', 'viewer', '--json', '--home', home]);
  const { id, token } = JSON.parse(made.stdout) as { id: string; token: string };
  const list = await runCli(['token', 'list', '--home', home]);
  assert.equal(list.code, 0);
  assert.match(list.stdout, new RegExp(`${id}\\s+viewer`));
  assert.ok(!list.stdout.includes(token));
  assert.equal((await runCli(['token', 'revoke', id, '--home', home])).code, 0);
  assert.equal(fileTokenBook(join(home, 'tokens.json')).check(token), undefined, 'revoked');
  const again = await runCli(['token', 'revoke', id, '--home', home]);
  assert.equal(again.code, 65);
  assert.match(again.stderr, /no token has the id/);
  const badRole = await runCli(['token', 'create', '--role', 'admin', '--home', home]);
  assert.equal(badRole.code, 64);
  assert.match(badRole.stderr, /--role must be viewer or operator, got "admin"/);
});

test('serve refuses plain HTTP on a non-loopback address (usage exit) and a bad --listen', async () => {
  const r = await runCli(['serve', '--listen', '0.0.0.0:0', '--home', home]);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /refusing plain HTTP on 0\.0\.0\.0:0/);
  assert.match(r.stderr, /fix: .*--allow-plain-http/);
  const bad = await runCli(['serve', '--listen', 'nonsense', '--home', home]);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /is not HOST:PORT/);
});

test('serve runs until SIGTERM: prints its URL, answers health and the API with a token, reloads on SIGHUP, stops cleanly', async () => {
  const made = await runCli(['token', 'create', '--role', 'viewer', '--home', home]);
  const token = made.stdout.trimEnd().split('\n').at(-1)!;
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        const m = /serving at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await fetch(`${url}/api/v1/vms`)).status, 401);
    const vms = await fetch(`${url}/api/v1/vms`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(vms.status, 200);
    assert.deepEqual(await vms.json(), []);
    const ledger = await fetch(`${url}/api/v1/ledger`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ledger.status, 200);
    child.kill('SIGHUP');
    for (let i = 0; i < 500 && !err.includes('"msg":"config reloaded"'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.match(err, /"msg":"config reloaded"/, 'SIGHUP reloads and the server keeps running');
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 143);
    assert.match(err, /"msg":"stopping"/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
