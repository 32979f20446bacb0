import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeImage, inspectImage, memdiskConfig, openRegion } from '../image/index.ts';
import { buildTestImage } from '../../testkit/index.ts';
import { runToolSync } from '../core/index.ts';
import { parseVmSpec, type AppConfig } from '../config/index.ts';
import { getFault } from './catalogue.ts';
import { injectFault } from './inject.ts';
import { applyImageOp, createDiskOverlay, e2Device, type ImageInjection } from './inject-image.ts';

// One small GPT + FAT + ext4 image; every op damages its own overlay, so the base must stay unchanged.
const img = buildTestImage({ espMiB: 34, rootMiB: 12 });
const baseBytes = readFileSync(img.path);
let n = 0;
test.after(() => rmSync(img.dir, { recursive: true, force: true }));

function damaged(inj: ImageInjection): { path: string; note: string } {
  const path = join(img.dir, `ov-${n++}.qcow2`);
  createDiskOverlay(img.path, 'raw', path);
  return { path, note: applyImageOp(path, 'qcow2', inj) };
}

/** Reads one ESP file of `disk` (the FAT view needs the image open). */
function espFile(disk: string, path: string): Buffer {
  const a = analyzeImage(disk, { qemuImgCheck: false });
  try {
    return a.facts.fat!.readFile(path);
  } finally {
    a.close();
  }
}

function fsck(disk: string): { status: number; out: string } {
  const f = inspectImage(disk, { qemuImgCheck: false }).facts;
  const region = openRegion(disk, 'qcow2', f.root!.offset, f.root!.size);
  try {
    const r = runToolSync('e2fsck', ['-fn', e2Device(region.path, region.offset)], { check: false });
    return { status: r.code, out: r.stdout + r.stderr };
  } finally {
    region.dispose();
  }
}

test('ESP ops: kernel deleted, initrd cut, grub.cfg broken, root UUID and command line changed', () => {
  const del = inspectImage(damaged({ op: 'delete-esp-file', file: 'kernel' }).path, { qemuImgCheck: false }).facts;
  assert.equal(del.fat!.find(img.kernelPath), undefined);
  assert.notEqual(del.fat!.find(img.initrdPath), undefined);
  const cut = espFile(damaged({ op: 'truncate-esp-file', file: 'initrd', keep: 0.5 }).path, img.initrdPath);
  assert.equal(cut.length, Math.floor(img.initrd.length * 0.5));
  assert.ok(cut.equals(img.initrd.subarray(0, cut.length)));
  const syn = inspectImage(damaged({ op: 'edit-grub-cfg' }).path, { qemuImgCheck: false }).facts;
  assert.ok(syn.grub!.problems.length > 0, 'grub.cfg without its final brace must not parse cleanly');
  const uuid = inspectImage(damaged({ op: 'set-root-uuid' }).path, { qemuImgCheck: false }).facts;
  assert.equal(uuid.grub!.entries[0]!.root, 'UUID=00000000-dead-beef-0000-000000000000');
  const cmd = inspectImage(damaged({ op: 'append-cmdline', value: 'init=/bin/false panic=-1' }).path, { qemuImgCheck: false }).facts;
  assert.deepEqual(cmd.grub!.entries[0]!.args.slice(-2), ['init=/bin/false', 'panic=-1']);
});

test('set-stub-prefix rewrites the config embedded in BOOTX64.EFI', () => {
  const cfg = memdiskConfig(espFile(damaged({ op: 'set-stub-prefix' }).path, 'EFI/BOOT/BOOTX64.EFI'));
  assert.match(cfg ?? '', /^set prefix=\(\$root\)\/EFI\/debian\nconfigfile /m);
});

test('corrupt-esp-file flips one byte at its offset and nothing else; an offset past the end or an absent file is refused', () => {
  const at = 1000;
  const bad = espFile(damaged({ op: 'corrupt-esp-file', file: img.kernelPath, offset: at }).path, img.kernelPath);
  assert.equal(bad.length, img.kernel.length);
  assert.equal(bad[at], img.kernel[at]! ^ 0xff);
  const diff = [...bad].flatMap((b, i) => (b === img.kernel[i] ? [] : [i]));
  assert.deepEqual(diff, [at]);
  assert.throws(() => damaged({ op: 'corrupt-esp-file', file: img.kernelPath, offset: img.kernel.length }), /past its end/);
  // The default file is the Secure Boot variant's GRUB, which this test image does not have.
  assert.throws(() => damaged({ op: 'corrupt-esp-file' }), /no EFI\/BOOT\/grubx64\.efi/);
});

test('GPT ops: both copies or only the primary', () => {
  const all = inspectImage(damaged({ op: 'wipe-gpt' }).path, { qemuImgCheck: false }).facts.table!;
  assert.equal(all.primary, undefined);
  assert.equal(all.backup, undefined);
  const prim = inspectImage(damaged({ op: 'wipe-primary-gpt' }).path, { qemuImgCheck: false }).facts.table!;
  assert.equal(prim.primary, undefined);
  assert.equal(prim.backup?.problems.length, 0);
});

test('root ops: fstab lines, superblock, multiply-claimed block', () => {
  const miss = inspectImage(damaged({ op: 'fstab-add-missing-device' }).path, { qemuImgCheck: false }).facts;
  assert.deepEqual(miss.badFstabLines.map((l) => l.mountpoint), ['/srv/data']);
  const opt = inspectImage(damaged({ op: 'fstab-bad-option' }).path, { qemuImgCheck: false }).facts;
  assert.deepEqual(opt.badFstabOptions.map((l) => l.mountpoint), ['/boot/efi']);
  assert.match(opt.fstabText ?? '', /umask=0077,bogusopt/);
  const sb = inspectImage(damaged({ op: 'zero-ext4-superblock' }).path, { qemuImgCheck: false }).facts;
  assert.equal(sb.rootSb, undefined);
  const dup = damaged({ op: 'ext4-multiply-claimed-block', victim: '/etc/fstab', donor: '/home/user/data.txt' });
  const r = fsck(dup.path);
  assert.equal(r.status, 4, r.out);
  assert.match(r.out, /[Mm]ultiply-claimed/);
  assert.ok(readFileSync(img.path).equals(baseBytes), 'the base image was written to');
});

test('injectFault: an image fault on a disk VM points it at a damaged overlay', async () => {
  const app: AppConfig = Object.freeze({ home: join(img.dir, 'home'), cache: join(img.dir, 'cache'), ci: true, color: false });
  const spec = parseVmSpec({ name: 'd', firmware: 'uefi', disks: [{ path: img.path, format: 'raw' }] }, 't', img.dir);
  const fault = { ...getFault('debian-grub-kernel-file-missing'), guests: ['any' as const] };
  const r = await injectFault(spec, fault, join(img.dir, 'w'), app);
  assert.equal(r.spec.disks[0]!.format, 'qcow2');
  assert.notEqual(r.spec.disks[0]!.path, img.path);
  assert.equal(inspectImage(r.spec.disks[0]!.path, { qemuImgCheck: false }).facts.fat!.find(img.kernelPath), undefined);
  const mem = await injectFault(spec, { ...getFault('debian-init-false-panic-hang'), guests: ['any' as const] }, join(img.dir, 'w2'), app);
  assert.match(inspectImage(mem.spec.disks[0]!.path, { qemuImgCheck: false }).facts.grub!.entries[0]!.args.join(' '), /init=\/bin\/false$/);
  assert.equal(mem.spec.append, undefined);
});

test('injectFault: debian-sb-tampered-grub turns Secure Boot on and flips a byte of the ESP file on an overlay', async () => {
  const app: AppConfig = Object.freeze({ home: join(img.dir, 'home'), cache: join(img.dir, 'cache'), ci: true, color: false });
  const spec = parseVmSpec({ name: 'd', firmware: 'uefi', disks: [{ path: img.path, format: 'raw' }] }, 't', img.dir);
  const sb = getFault('debian-sb-tampered-grub');
  assert.equal(sb.injection.kind, 'image');
  // This test image has no signed GRUB; the same op on its kernel shows the plumbing.
  const fault = { ...sb, guests: ['any' as const], injection: { ...sb.injection, file: img.kernelPath, offset: 4096 } };
  const r = await injectFault(spec, fault, join(img.dir, 'w5'), app);
  assert.equal(r.spec.secureBoot, true);
  assert.notEqual(r.spec.disks[0]!.path, img.path);
  const k = espFile(r.spec.disks[0]!.path, img.kernelPath);
  assert.equal(k[4096], img.kernel[4096]! ^ 0xff);
  assert.match(r.note, /flipped byte 4096 of /);
  assert.ok(readFileSync(img.path).equals(baseBytes), 'the base image was written to');
});

test('injectFault: a direct-boot fault boots copies of the ESP kernel and initrd with grub.cfg\'s command line', async () => {
  const app: AppConfig = Object.freeze({ home: join(img.dir, 'home'), cache: join(img.dir, 'cache'), ci: true, color: false });
  const spec = parseVmSpec({ name: 'd', firmware: 'uefi', disks: [{ path: img.path, format: 'raw' }] }, 't', img.dir);
  const r = await injectFault(spec, { ...getFault('debian-ram-128m-direct-boot'), guests: ['any' as const] }, join(img.dir, 'w3'), app);
  assert.ok(readFileSync(r.spec.kernel!).equals(img.kernel), 'the kernel is the ESP one');
  assert.ok(readFileSync(r.spec.initrd!).equals(img.initrd), 'the initrd is the ESP one');
  assert.equal(r.spec.firmware, 'bios');
  assert.equal(r.spec.memoryMiB, 128);
  assert.match(r.spec.cmdline ?? '', new RegExp(`root=UUID=${img.rootUuid}`));
  assert.deepEqual(r.spec.disks.map((d) => d.path), [img.path]);
  await assert.rejects(injectFault(r.spec, { ...getFault('debian-ram-128m-direct-boot'), guests: ['any' as const] }, join(img.dir, 'w4'), app), /already boots a kernel/);
});
