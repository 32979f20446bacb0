// `bootmedic image inspect --from <golden>`: the ESP's EFI executables compared with the golden's.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli, buildTestImage, type TestImage } from '../../../testkit/index.ts';
import { EXIT } from '../exit-codes.ts';

let img: TestImage;
let tampered: string;
let digests: { was: string; now: string };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

before(() => {
  img = buildTestImage({ espMiB: 34, rootMiB: 8 });
  // One byte of BOOTX64.EFI flipped in its filler: still a PE image with its embedded config.
  const disk = readFileSync(img.path);
  const efi = readFileSync(join(img.dir, 'files', 'BOOTX64.EFI'));
  const at = disk.indexOf(efi.subarray(0, 64));
  assert.ok(at > 0, 'BOOTX64.EFI is on the disk in one piece');
  disk[at + 100] = disk[at + 100]! ^ 0xff;
  tampered = join(img.dir, 'tampered.img');
  writeFileSync(tampered, disk);
  const changed = Buffer.from(efi);
  changed[100] = changed[100]! ^ 0xff;
  digests = { was: sha(efi), now: sha(changed) };
});
after(() => {
  if (img !== undefined) rmSync(img.dir, { recursive: true, force: true });
});

const run = (argv: string[]) => runCli(['--home', join(img.dir, 'home'), ...argv]);

test('image inspect without --from does not compare loaders: the tampered image is ok', async () => {
  const r = await run(['image', 'inspect', tampered, '--json']);
  assert.equal(r.code, EXIT.ok, r.stdout);
  const j = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ name: string }> };
  assert.equal(j.ok, true);
  assert.ok(!j.checks.some((c) => c.name === 'esp.loader-digests'));
});

test('image inspect --from names the differing loader with both digests, in the same JSON shape', async () => {
  const r = await run(['image', 'inspect', tampered, '--from', img.path, '--json']);
  assert.equal(r.code, EXIT.failed, r.stderr);
  const j = JSON.parse(r.stdout) as { ok: boolean; checks: Array<{ name: string; status: string; evidence: string; fix: string }> };
  assert.deepEqual(Object.keys(j), ['ok', 'checks']);
  assert.equal(j.ok, false);
  for (const c of j.checks) assert.deepEqual(Object.keys(c).sort(), ['evidence', 'fix', 'name', 'status']);
  assert.deepEqual(j.checks.filter((c) => c.status === 'problem').map((c) => c.name), ['esp.loader-digests']);
  const c = j.checks.find((x) => x.name === 'esp.loader-digests')!;
  assert.equal(c.evidence, `EFI/BOOT/BOOTX64.EFI: sha256 ${digests.now}, golden ${digests.was}`);
  assert.equal(c.fix, `bootmedic image repair ${tampered} --from ${img.path} (restore-loaders copies them from the golden ESP)`);

  const text = await run(['image', 'inspect', tampered, '--from', img.path]);
  assert.match(text.stdout, /PROBLEM\s+esp\.loader-digests\s+EFI\/BOOT\/BOOTX64\.EFI: sha256/);
  const same = await run(['image', 'inspect', img.path, '--from', img.path]);
  assert.equal(same.code, EXIT.ok, same.stdout);
  assert.match(same.stdout, /ok\s+esp\.loader-digests\s+1 EFI executable\(s\) match the golden ESP/);
});

test('image inspect --from a missing file is a usage error', async () => {
  const r = await run(['image', 'inspect', tampered, '--from', join(img.dir, 'nope.img')]);
  assert.equal(r.code, EXIT.usage);
});
