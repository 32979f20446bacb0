import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../main.ts';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (c: Buffer) => parts.push(c));
  return { stream, text: () => Buffer.concat(parts).toString('utf8') };
}

async function run(home: string, ...args: string[]): Promise<{ rc: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const rc = await main(['--home', home, 'ledger', ...args], { stdout: out.stream, stderr: err.stream });
  return { rc, out: out.text(), err: err.text() };
}

test('ledger CLI: append, show, verify --json, proof, checkpoint, export and offline verify', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'bm-ledger-cli-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const missing = await run(home, 'verify');
  assert.equal(missing.rc, 65);
  assert.match(missing.err, /no ledger database/);
  for (let i = 0; i < 3; i++) assert.equal((await run(home, 'append', '--type', 'config-change', '--vm', 'web1', '--data', JSON.stringify({ i }))).rc, 0);
  assert.match((await run(home, 'show')).out, /config-change web1 +\{"i":2\}/);
  const v = await run(home, 'verify', '--json');
  assert.equal(v.rc, 0);
  assert.deepEqual(JSON.parse(v.out), { ok: true, size: 3, checkpoints: 4, firstBadIndex: null, problems: [] });
  const p = await run(home, 'proof', '1', '--json');
  assert.equal(p.rc, 0);
  assert.equal(JSON.parse(p.out).verified, true);
  assert.equal((await run(home, 'proof', '9')).rc, 65);
  assert.match((await run(home, 'proof', '2', '--tlog-proof')).out, /^c2sp\.org\/tlog-proof@v1\nindex 2\n/);
  assert.equal((await run(home, 'proof', '--consistency', '1')).rc, 0);
  const cp = JSON.parse((await run(home, 'checkpoint', '--json')).out) as { size: number; note: string };
  assert.equal(cp.size, 3);
  const wkey = join(home, 'witness.key');
  const wpub = join(home, 'witness.pub');
  const wk = await run(home, 'witness-key', 'witness.example/w1', wkey);
  writeFileSync(wpub, wk.out);
  assert.equal((await run(home, 'checkpoint', '--cosign', wkey)).rc, 0);
  const dir = join(home, 'export');
  assert.equal((await run(home, 'export', dir)).rc, 0);
  const off = await run(home, 'verify', '--offline', dir, '--witness', wpub, '--json');
  assert.equal(off.rc, 0, off.out + off.err);
  // One altered byte in the exported bundle: exit 1 and the first bad index named.
  const bundle = join(dir, 'tile/entries/000.p/3');
  const b = readFileSync(bundle);
  const at = b.indexOf('"i":1') + 4;
  b[at] = b[at]! ^ 0x01;
  writeFileSync(bundle, b);
  const bad = await run(home, 'verify', '--offline', dir, '--json');
  assert.equal(bad.rc, 1);
  assert.equal(JSON.parse(bad.out).firstBadIndex, 1);
  const human = await run(home, 'verify', '--offline', dir);
  assert.match(human.out, /FAILED verification: first bad index 1/);
  assert.equal((await run(home, 'verify', '--offline', join(home, 'nope'))).rc, 65);
  assert.equal((await run(home, 'frobnicate')).rc, 64);
});

test('ledger verify: a ledger folder rolled back to an older copy fails (exit 1) against the remembered checkpoint, also one given with --remembered', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'bm-ledger-cli-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  assert.equal((await run(home, 'append', '--type', 'config-change', '--data', '{"i":0}')).rc, 0);
  cpSync(join(home, 'ledger'), join(home, 'old'), { recursive: true });
  assert.equal((await run(home, 'append', '--type', 'config-change', '--data', '{"i":1}')).rc, 0);
  assert.equal((await run(home, 'verify')).rc, 0);
  const offsite = join(home, 'offsite-checkpoint');
  cpSync(join(home, 'ledger-checkpoint'), offsite);
  rmSync(join(home, 'ledger'), { recursive: true });
  cpSync(join(home, 'old'), join(home, 'ledger'), { recursive: true });
  const r = await run(home, 'verify');
  assert.equal(r.rc, 1);
  assert.match(r.out, /LEDGER_ROLLED_BACK: remembered checkpoint .*ledger-checkpoint has size 2, the log only 1/);
  rmSync(join(home, 'ledger-checkpoint'));
  assert.equal((await run(home, 'verify')).rc, 0, 'without any remembered copy the older folder looks whole');
  const r2 = await run(home, 'verify', '--remembered', offsite);
  assert.equal(r2.rc, 1);
  assert.match(r2.out, /LEDGER_ROLLED_BACK: remembered checkpoint .*offsite-checkpoint/);
  const bad = await run(home, 'verify', '--remembered', join(home, 'nowhere'));
  assert.equal(bad.rc, 65);
  assert.match(bad.err, /remembered checkpoint .*nowhere: no such file/);
});
