import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBootmedicError } from '../../core/index.ts';
import { derivedUuid, derivedVolumeId, imageKey, loadRecipe, rootfsKey } from './recipe.ts';
import { hostMirror } from './rootfs.ts';
import { grubConfig, stubConfig } from './grub.ts';

test('recipe.json validates and its keys are stable hex', () => {
  const r = loadRecipe();
  assert.match(rootfsKey(r), /^[0-9a-f]{16}$/);
  assert.equal(rootfsKey(r), rootfsKey(loadRecipe()));
  assert.notEqual(imageKey(r, 'uefi'), imageKey(r, 'bios'));
});

test('the rootfs key follows the package list only; the image key follows everything', () => {
  const r = loadRecipe();
  const more = { ...r, include: [...r.include, 'less'] };
  const bigger = { ...r, rootMiB: r.rootMiB + 512 };
  assert.notEqual(rootfsKey(more), rootfsKey(r));
  assert.equal(rootfsKey(bigger), rootfsKey(r), 'a size change reuses the debootstrap tree');
  assert.notEqual(imageKey(bigger, 'uefi'), imageKey(r, 'uefi'));
  assert.equal(rootfsKey({ ...r, include: [...r.include].reverse() }), rootfsKey(r), 'order of packages does not matter');
});

test('a bad recipe is one GUEST_DEBIAN_BAD_RECIPE naming the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-recipe-'));
  try {
    const p = join(dir, 'recipe.json');
    writeFileSync(p, JSON.stringify({ ...loadRecipe(), rootMiB: 'big' }));
    assert.throws(() => loadRecipe(p), (e) => isBootmedicError(e, 'GUEST_DEBIAN_BAD_RECIPE') && /rootMiB/.test(e.message));
    writeFileSync(p, '{not json');
    assert.throws(() => loadRecipe(p), (e) => isBootmedicError(e, 'GUEST_DEBIAN_BAD_RECIPE'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('derived ids are well-formed and differ by label', () => {
  const u = derivedUuid('0123456789abcdef', 'root-fs');
  assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(u, derivedUuid('0123456789abcdef', 'disk'));
  assert.match(derivedVolumeId('0123456789abcdef'), /^[0-9A-F]{8}$/);
});

test('the GRUB stub finds the ESP by id and never sets prefix', () => {
  const s = stubConfig('ABCD-1234');
  assert.match(s, /search --no-floppy --fs-uuid --set=root ABCD-1234/);
  assert.match(s, /insmod part_gpt/);
  assert.doesNotMatch(s, /prefix/);
  const cfg = grubConfig({ kernelVersion: '6.1.0-50-amd64', rootUuid: 'u-u-i-d', cmdline: 'ro console=ttyS0,115200', timeout: 1, firmware: 'uefi' });
  assert.match(cfg, /linux \/EFI\/debian\/vmlinuz-6\.1\.0-50-amd64 root=UUID=u-u-i-d ro console=ttyS0,115200/);
  assert.match(cfg, /initrd \/EFI\/debian\/initrd\.img-6\.1\.0-50-amd64/);
  assert.doesNotMatch(cfg, /terminal_output serial/, 'OVMF mirrors its console already');
  assert.match(grubConfig({ kernelVersion: 'v', rootUuid: 'u', cmdline: '', timeout: 1, firmware: 'bios' }), /terminal_output serial/);
});

test('hostMirror reads deb822 and one-line apt sources, else the default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-apt-'));
  try {
    const r = loadRecipe();
    assert.equal(hostMirror(r, dir), r.defaultMirror);
    mkdirSync(join(dir, 'sources.list.d'));
    writeFileSync(join(dir, 'sources.list'), 'deb [arch=amd64] http://one.example/debian/ bookworm main\n');
    assert.equal(hostMirror(r, dir), 'http://one.example/debian');
    writeFileSync(join(dir, 'sources.list.d', 'debian.sources'), 'Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://sec.example/\nSuites: bookworm-security\n');
    assert.equal(hostMirror(r, dir), 'http://mirror.example/debian');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Secure Boot variant has its own image key; its package list does not move the plain keys', () => {
  const r = loadRecipe();
  const other = { ...r, secureBootPackages: [...r.secureBootPackages, 'shim-unsigned'] };
  assert.notEqual(imageKey(r, 'uefi', { secureBoot: true }), imageKey(r, 'uefi'));
  assert.equal(imageKey(other, 'uefi'), imageKey(r, 'uefi'), 'the plain UEFI image keeps its key');
  assert.equal(imageKey(other, 'bios'), imageKey(r, 'bios'), 'the BIOS image keeps its key');
  assert.notEqual(imageKey(other, 'uefi', { secureBoot: true }), imageKey(r, 'uefi', { secureBoot: true }));
  assert.equal(imageKey(r, 'uefi', { secureBoot: false }), imageKey(r, 'uefi'));
});
