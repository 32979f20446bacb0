// `bootmedic image inspect|repair` through the CLI entry point, on a small built image.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EXIT } from '../src/cli/index.ts';
import { runCli, buildTestImage, type TestImage } from '../testkit/index.ts';

let img: TestImage;
before(() => {
  img = buildTestImage({ espMiB: 34, rootMiB: 8 });
});
after(() => {
  if (img !== undefined) rmSync(img.dir, { recursive: true, force: true });
});

const run = (argv: string[]) => runCli(['--home', join(img.dir, 'home'), ...argv]);

test('image inspect --json prints exactly {ok, checks} and exits 0 on a good image', async () => {
  const r = await run(['image', 'inspect', img.path, '--json']);
  assert.equal(r.code, EXIT.ok, r.stderr);
  const j = JSON.parse(r.stdout) as { ok: boolean; checks: Array<Record<string, unknown>> };
  assert.deepEqual(Object.keys(j), ['ok', 'checks']);
  assert.equal(j.ok, true);
  for (const c of j.checks) assert.deepEqual(Object.keys(c).sort(), ['evidence', 'fix', 'name', 'status']);
});

test('a broken image: inspect exits 1 naming the check; repair --from fixes it and prints its repairs as JSON', async () => {
  const broken = join(img.dir, 'broken.img');
  copyFileSync(img.path, broken);
  assert.equal(spawnSync('mdel', ['-i', `${broken}@@${img.espOffset}`, `::${img.kernelPath}`]).status, 0);
  const r1 = await run(['image', 'inspect', broken]);
  assert.equal(r1.code, EXIT.failed);
  assert.match(r1.stdout, /PROBLEM\s+boot\.kernel/);
  assert.match(r1.stdout, /fix: bootmedic image repair/);
  const r2 = await run(['image', 'repair', broken, '--from', img.path, '--json', '--snapshot-dir', join(img.dir, 'snaps')]);
  assert.equal(r2.code, EXIT.ok, r2.stderr);
  const j = JSON.parse(r2.stdout) as { ok: boolean; repairs: Array<{ id: string; did: string[] }>; snapshots: Array<{ ref: string }> };
  assert.equal(j.ok, true);
  assert.deepEqual(j.repairs.map((a) => a.id), ['restore-boot-files']);
  assert.match(j.snapshots[0]!.ref, /snaps/);
  const r3 = await run(['image', 'inspect', broken, '--json']);
  assert.equal(r3.code, EXIT.ok);
});

test('a missing disk is a data error with one line and a fix, no stack', async () => {
  const r = await run(['image', 'inspect', join(img.dir, 'nope.img')]);
  assert.equal(r.code, EXIT.dataError);
  assert.match(r.stderr, /nope\.img: no such file/);
  assert.match(r.stderr, /fix: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('image list answers on an empty catalogue; a wrong subcommand is a usage error', async () => {
  const list = await run(['image', 'list']);
  assert.equal(list.code, EXIT.ok, list.stderr);
  assert.match(list.stdout, /no catalogued images/);
  assert.equal((await run(['image', 'frob'])).code, EXIT.usage);
  assert.equal((await run(['image', 'inspect'])).code, EXIT.usage);
});

test('repair is written to the ledger, and --vm proves it with a boot to ready (real QEMU, tiny guest with the disk attached)', { timeout: 240_000 }, async () => {
  const broken = join(img.dir, 'broken-proof.img');
  copyFileSync(img.path, broken);
  assert.equal(spawnSync('mdel', ['-i', `${broken}@@${img.espOffset}`, `::${img.kernelPath}`]).status, 0);
  const vm = join(img.dir, 'proof.yaml');
  writeFileSync(vm, `name: proof\nguest: tiny\ndisks: [{ path: ${JSON.stringify(broken)}, format: raw }]\n`);
  const r = await run(['image', 'repair', broken, '--from', img.path, '--vm', vm, '--json', '--snapshot-dir', join(img.dir, 'snaps2')]);
  assert.equal(r.code, EXIT.ok, r.stderr);
  const j = JSON.parse(r.stdout) as { ok: boolean; proof?: { status: string; bootId: string } };
  assert.equal(j.ok, true);
  assert.equal(j.proof?.status, 'ready');
  const shown = await run(['ledger', 'show']);
  assert.match(shown.stdout, /image-repair/);
  assert.match(shown.stdout, /image-repair-proof/);
  assert.match(shown.stdout, new RegExp(j.proof!.bootId));
  assert.equal((await run(['ledger', 'verify'])).code, EXIT.ok);
});

test('repair --vm refuses a VM that does not boot the disk, before writing anything', async () => {
  const vm = join(img.dir, 'other.yaml');
  writeFileSync(vm, 'name: other\nguest: tiny\n');
  const r = await run(['image', 'repair', img.path, '--vm', vm]);
  assert.equal(r.code, EXIT.usage);
  assert.match(r.stderr, /does not boot/);
});
