import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/cli/index.ts';
import { runCli } from '../testkit/index.ts';

const run = runCli;

test('an unknown command is a usage error that points to --help', async () => {
  const r = await run(['frobnicate']);
  assert.equal(r.code, EXIT.usage);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.match(r.stderr, /fix: /);
});

test('--help lists the commands', async () => {
  const r = await run(['--help']);
  assert.equal(r.code, EXIT.ok);
  for (const c of ['boot', 'watch', 'analyze', 'ledger']) assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
});

test('boot with a malformed vm.yaml prints one line naming the field and the allowed values, no stack', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-cli-'));
  try {
    const vm = join(dir, 'vm.yaml');
    writeFileSync(vm, 'name: bad\nguest: tiny\nfirmware: coreboot\n');
    const r = await run(['--home', join(dir, 'home'), 'boot', vm]);
    assert.equal(r.code, EXIT.dataError);
    assert.match(r.stderr, /firmware: must be one of "bios", "uefi"/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('boot with an unknown flag is a usage error with the usage', async () => {
  const r = await run(['boot', '--frob', 'x.yaml']);
  assert.equal(r.code, EXIT.usage);
  assert.match(r.stderr, /usage: bootmedic boot/);
});

test('boot with a missing vm.yaml names the file', async () => {
  const r = await run(['boot', '/nonexistent/vm.yaml']);
  assert.equal(r.code, EXIT.dataError);
  assert.match(r.stderr, /\/nonexistent\/vm\.yaml: no such file/);
});
