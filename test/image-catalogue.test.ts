// The image catalogue through the CLI entry point, with one real boot test of the tiny
// guest that has a small built image attached as a raw disk (a few seconds under KVM,
// about 9 s under TCG on 2 cores).
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EXIT } from '../src/cli/index.ts';
import { runCli, buildTestImage, type TestImage } from '../testkit/index.ts';
import { skipWithoutTiny } from './hypervisor-helpers.ts';

let img: TestImage;
before(() => {
  img = buildTestImage({ espMiB: 34, rootMiB: 8 });
});
after(() => {
  if (img !== undefined) rmSync(img.dir, { recursive: true, force: true });
});

const run = (argv: string[]) => runCli(['--home', join(img.dir, 'home'), ...argv]);

test('add, boot-tested promote, sign, verify, and a signed-image policy that refuses the altered disk', { timeout: 300_000, skip: skipWithoutTiny() }, async () => {
  const add = await run(['image', 'add', img.path, '--name', 'demo', '--version', '1', '--origin', 'buildTestImage', '--json']);
  assert.equal(add.code, EXIT.ok, add.stderr);
  assert.equal((JSON.parse(add.stdout) as { state: string }).state, 'candidate');

  const vm = join(img.dir, 'vm.yaml');
  writeFileSync(vm, `name: catvm\nguest: tiny\naccel: auto\nready: { type: marker, text: bootmedic-ready }\ndisks: [{ path: ${img.path}, format: raw }]\nrequireSignedImages: true\n`);
  // Unsigned: the policy refuses before QEMU starts, naming the disk and the reason.
  const refused = await run(['image', 'promote', 'demo', '--vm', vm]);
  assert.notEqual(refused.code, EXIT.ok);
  assert.match(refused.stderr, /refused \(requireSignedImages\).*unsigned/);

  assert.equal((await run(['image', 'sign', 'demo@1'])).code, EXIT.ok);
  const promoted = await run(['image', 'promote', 'demo', '--vm', vm, '--json']);
  assert.equal(promoted.code, EXIT.ok, promoted.stderr);
  const p = JSON.parse(promoted.stdout.trim().split('\n').at(-1)!) as { state: string; bootId: string };
  assert.equal(p.state, 'tested');

  const list = JSON.parse((await run(['image', 'list', '--json'])).stdout) as { images: { id: string; state: string; testedBoot?: string }[]; lastKnownGood: { vm: string; imageId: string; bootId: string }[] };
  assert.equal(list.images[0]?.testedBoot, p.bootId);
  assert.deepEqual(list.lastKnownGood.map((l) => [l.vm, l.imageId, l.bootId]), [['catvm', 'demo@1', p.bootId]]);
  assert.equal((await run(['image', 'verify', 'demo'])).code, EXIT.ok);

  // Alter one byte: verify fails and the VM is refused with "digest changed".
  writeFileSync(img.path, 'x', { flag: 'r+' });
  const v = await run(['image', 'verify', 'demo', '--json']);
  assert.equal(v.code, EXIT.failed);
  assert.match(v.stdout, /digest changed/);
  const boot = await run(['boot', vm]);
  assert.notEqual(boot.code, EXIT.ok);
  assert.match(boot.stderr, /catvm: disk .* refused .*digest changed/);
});
