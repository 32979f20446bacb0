// Logic tests of the image catalogue on small built images (GPT + FAT + ext4), with boot
// tests replayed from recorded tiny-guest boots through the policy-wrapped hypervisor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseVmSpec } from '../config/index.ts';
import { isBootmedicError } from '../core/index.ts';
import type { Hypervisor } from '../hypervisor/index.ts';
import { buildTestImage, type TestImage, createReplayVm, loadRecording } from '../../testkit/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { addImage, artefactDigests, promoteImage, retireImage, signImage, verifyImage, withImagePolicy } from './index.ts';

let img: TestImage;
before(() => {
  img = buildTestImage({ espMiB: 34, rootMiB: 8 });
});
after(() => {
  if (img !== undefined) rmSync(img.dir, { recursive: true, force: true });
});

/** A fake hypervisor that replays a recorded boot, counting launches. */
function replay(name: string) {
  const hv = {
    launches: 0,
    probeAccel: async () => ({ accel: 'tcg' as const, reason: 'replay' }),
    async launch() {
      hv.launches++;
      const vm = createReplayVm(loadRecording(name));
      setImmediate(() => void vm.play());
      return vm;
    },
  };
  return hv satisfies Hypervisor;
}

type Ctx = { home: string; store: Store; disk: string; entries: { type: string; vm: string; data: unknown }[] };
async function withCatalogue(fn: (c: Ctx) => Promise<void>) {
  const home = mkdtempSync(join(tmpdir(), 'bm-cat-'));
  const store = openStore({ home });
  const disk = join(home, 'disk.img');
  copyFileSync(img.path, disk);
  try {
    await fn({ home, store, disk, entries: [] });
  } finally {
    store.close();
    rmSync(home, { recursive: true, force: true });
  }
}
const deps = (c: Ctx) => ({ store: c.store, home: c.home, record: async (e: { type: string; vm: string; data: unknown }) => void c.entries.push(e) });
const vmFor = (disk: string, extra: Record<string, unknown> = {}) => parseVmSpec({ name: 'imgvm', guest: 'tiny', accel: 'tcg', disks: [{ path: disk, format: 'raw' }], ...extra }, 'test', '/');

test('artefact digests name the loader, grub.cfg, kernel and initrd on the ESP, with their SHA-256', () => {
  const a = artefactDigests(img.path);
  assert.deepEqual(a.map((x) => x.kind), ['loader', 'grub.cfg', 'kernel', 'initrd']);
  const kernel = a.find((x) => x.kind === 'kernel')!;
  assert.equal(kernel.path.toLowerCase(), img.kernelPath.toLowerCase());
  assert.equal(kernel.size, img.kernel.length);
  assert.match(kernel.sha256, /^[0-9a-f]{64}$/);
});

test('add catalogues a candidate with origin and digests, writes the ledger, and refuses the same contents twice', () =>
  withCatalogue(async (c) => {
    const i = await addImage(deps(c), c.disk, { origin: 'built by the test', version: '1.0' });
    assert.equal(i.id, 'disk@1.0');
    assert.equal(i.state, 'candidate');
    assert.equal(i.origin, 'built by the test');
    assert.equal(c.store.images.get(i.id)?.sha256, i.sha256);
    assert.equal(c.entries[0]?.type, 'config-change');
    assert.equal((c.entries[0]?.data as { change: string }).change, 'image-add');
    await assert.rejects(addImage(deps(c), c.disk, { version: '2' }), (e) => isBootmedicError(e, 'CATALOGUE_DUPLICATE') && e.message.includes('disk@1.0'));
  }));

test('promotion needs a boot to ready: a failed boot leaves the image a candidate, a good one makes it tested then golden', () =>
  withCatalogue(async (c) => {
    const i = await addImage(deps(c), c.disk);
    const bad = replay('panic');
    await assert.rejects(
      promoteImage({ ...deps(c), hypervisor: bad }, i.id, { spec: vmFor(c.disk) }),
      (e) => isBootmedicError(e, 'CATALOGUE_BOOT_TEST_FAILED') && e.message.includes('stays candidate'),
    );
    assert.equal(c.store.images.get(i.id)?.state, 'candidate');
    assert.equal(c.store.images.lastKnownGood('imgvm'), undefined);
    const good = replay('good');
    await assert.rejects(promoteImage({ ...deps(c), hypervisor: good }, i.id, { to: 'golden', spec: vmFor(c.disk) }), (e) => isBootmedicError(e, 'CATALOGUE_BAD_TRANSITION'));
    const t = await promoteImage({ ...deps(c), hypervisor: good }, 'disk', { spec: vmFor(c.disk) });
    assert.equal(t.image.state, 'tested');
    assert.equal(t.image.testedBoot, t.outcome.bootId);
    assert.equal(c.store.images.lastKnownGood('imgvm')?.bootId, t.outcome.bootId);
    const g = await promoteImage({ ...deps(c), hypervisor: good }, i.id, { to: 'golden', spec: vmFor(c.disk) });
    assert.equal(g.image.state, 'golden');
    assert.equal(c.store.images.get(i.id)?.goldenBoot, g.outcome.bootId);
    assert.ok(c.entries.some((e) => (e.data as { change: string; to?: string }).to === 'golden' && e.vm === 'imgvm'));
  }));

test('promotion refuses a VM that does not boot the image, and an image changed since it was added', () =>
  withCatalogue(async (c) => {
    const i = await addImage(deps(c), c.disk);
    const hv = replay('good');
    await assert.rejects(promoteImage({ ...deps(c), hypervisor: hv }, i.id, { spec: vmFor(img.path) }), (e) => isBootmedicError(e, 'CATALOGUE_VM_MISMATCH'));
    writeFileSync(c.disk, 'x', { flag: 'r+' });
    await assert.rejects(promoteImage({ ...deps(c), hypervisor: hv }, i.id, { spec: vmFor(c.disk) }), (e) => isBootmedicError(e, 'CATALOGUE_IMAGE_CHANGED'));
    assert.equal(hv.launches, 0);
  }));

test('signing makes a 0600 Ed25519 key; verify catches a changed digest and a retired image', () =>
  withCatalogue(async (c) => {
    const i = await addImage(deps(c), c.disk);
    assert.deepEqual(verifyImage(deps(c), i.id).problems, ['unsigned']);
    await signImage(deps(c), i.id);
    assert.equal(statSync(join(c.home, 'keys', 'image-signing.key')).mode & 0o777, 0o600);
    assert.deepEqual(verifyImage(deps(c), i.id), { id: i.id, ok: true, problems: [] });
    // A forged signature from another key is not trusted.
    await signImage(deps(c), i.id, { keyPath: join(c.home, 'other.key') });
    assert.match(verifyImage(deps(c), i.id).problems.join(), /not the trusted/);
    await signImage(deps(c), i.id);
    writeFileSync(c.disk, 'x', { flag: 'r+' });
    assert.match(verifyImage(deps(c), i.id).problems.join(), /digest changed/);
    await retireImage(deps(c), i.id);
    assert.ok(verifyImage(deps(c), i.id).problems.includes('retired'));
  }));

test('requireSignedImages: launch refuses unsigned, changed and retired images by name, and boots a signed one', () =>
  withCatalogue(async (c) => {
    const inner = replay('good');
    const hv = withImagePolicy(inner, c.store, c.home);
    const spec = vmFor(c.disk, { requireSignedImages: true });
    const refused = (why: RegExp) => (e: unknown) => isBootmedicError(e, 'CATALOGUE_IMAGE_REFUSED') && e.message.includes(c.disk) && why.test(e.message);
    await assert.rejects(hv.launch(spec, { runDir: c.home }), refused(/unsigned: not in the image catalogue/));
    const i = await addImage(deps(c), c.disk);
    await assert.rejects(hv.launch(spec, { runDir: c.home }), refused(/unsigned/));
    await signImage(deps(c), i.id);
    const vm = await hv.launch(spec, { runDir: c.home });
    await vm.stop();
    hv.noteRecord({ type: 'boot-outcome', vm: 'imgvm', data: { bootId: 'b-1', status: 'ready' } });
    assert.equal(c.store.images.lastKnownGood('imgvm')?.imageId, i.id);
    await retireImage(deps(c), i.id);
    await assert.rejects(hv.launch(spec, { runDir: c.home }), refused(/retired/));
    writeFileSync(c.disk, 'x', { flag: 'r+' });
    await assert.rejects(hv.launch(spec, { runDir: c.home }), refused(/digest changed/));
    assert.equal(inner.launches, 1);
    // Without the policy the same changed disk still launches.
    await (await hv.launch(vmFor(c.disk), { runDir: c.home })).stop();
    assert.equal(inner.launches, 2);
  }));

test('last-known-good follows ready boots on a catalogued disk, and not on the same path once the file changed', () =>
  withCatalogue(async (c) => {
    const hv = withImagePolicy(replay('good'), c.store, c.home);
    const i = await addImage(deps(c), c.disk);
    await (await hv.launch(vmFor(c.disk), { runDir: c.home })).stop();
    hv.noteRecord({ type: 'boot-outcome', vm: 'imgvm', data: { bootId: 'b-ok', status: 'ready' } });
    assert.deepEqual([c.store.images.lastKnownGood('imgvm')?.imageId, c.store.images.lastKnownGood('imgvm')?.bootId], [i.id, 'b-ok']);
    hv.noteRecord({ type: 'boot-outcome', vm: 'imgvm', data: { bootId: 'b-failed', status: 'failed' } });
    assert.equal(c.store.images.lastKnownGood('imgvm')?.bootId, 'b-ok');
    writeFileSync(c.disk, 'x', { flag: 'r+' });
    await (await hv.launch(vmFor(c.disk), { runDir: c.home })).stop();
    hv.noteRecord({ type: 'boot-outcome', vm: 'imgvm', data: { bootId: 'b-changed', status: 'ready' } });
    assert.equal(c.store.images.lastKnownGood('imgvm')?.bootId, 'b-ok');
  }));
