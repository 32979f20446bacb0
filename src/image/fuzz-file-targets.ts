// Fuzz targets for the image parsers that read one file: grub.cfg (and the config a
// grub-mkstandalone loader embeds), the initrd (cpio, gzip, zstd), the zstd frame walker
// and the bzImage header. Inputs mix token soups, mutated real files and raw bytes.
import { fileErrors } from '../core/index.ts';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as zlib from 'node:zlib';
import { codesOf, type FuzzTarget } from '../../testkit/index.ts';
import { mutationArb, withMutation, type Mutation } from '../../testkit/index.ts';
import { imageErrors } from './errors.ts';
import { parseFstab } from './ext4.ts';
import { parseGrubCfg, renderGrubCfg } from './grub-cfg.ts';
import { memdiskConfig, tarOneFile } from './grub-memdisk.ts';
import { inspectInitrd } from './initrd.ts';
import { kernelImageProblem } from './kernel-image.ts';
import { cpioNewc, fakeBzImage, stubConfig } from '../../testkit/index.ts';
import { zstdFrameLength } from './zstd-frame.ts';

const codes = codesOf(imageErrors, fileErrors);
const none: ReadonlySet<string> = new Set();
const zstdCompress = (b: Buffer) => (zlib as unknown as { zstdCompressSync: (b: Buffer) => Buffer }).zstdCompressSync(b);

/** A byte sample mutated by `m`, or raw bytes. */
type Sampled = { sample: number; m: Mutation } | { raw: Uint8Array };
const whole = (b: Buffer): [number, number][] => [[0, b.length]];
function sampled(samples: () => Buffer[], maxRaw = 4096): fc.Arbitrary<Sampled> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ sample: fc.nat(), m: mutationArb({ bigEndian: false, maxEdits: 6, cutChance: 0.2 }) }) },
    { weight: 1, arbitrary: fc.record({ raw: fc.uint8Array({ maxLength: maxRaw }) }) },
  );
}
function withSample<R>(samples: Buffer[], input: Sampled, regions: (b: Buffer) => [number, number][], fn: (b: Buffer) => R): R {
  if ('raw' in input) return fn(Buffer.from(input.raw));
  const s = samples[input.sample % samples.length]!;
  return withMutation(s, regions(s), input.m, fn);
}
const sizeOf = (samples: () => Buffer[]) => (input: Sampled) => ('raw' in input ? input.raw.length : samples()[input.sample % samples().length]!.length);

// grub.cfg ---------------------------------------------------------------------------

const GRUB_TOKENS = ['menuentry', 'submenu', "'Debian GNU/Linux'", '"x y"', '{', '}', 'linux', 'linuxefi', '/vmlinuz', '(hd0,gpt1)/boot/vmlinuz', 'root=UUID=6a1f', 'ro', 'initrd', '/initrd.img', 'search', '--fs-uuid', '--set=root', '1234-ABCD', 'search.fs_uuid', 'set', 'default=0', 'set default=1', 'prefix=(hd0)/grub', 'configfile', 'source', '/EFI/debian/grub.cfg', '${root}', '${', '$', '"', "'", '\\', '\\\n', '\n', ';', ' ', '\t', '#', '# comment\n', 'if', 'fi', 'function', 'insmod', 'part_gpt', '--class', '\r\n', 'é', '\u0000'];
const grubCfgText = renderGrubCfg({ title: 'Debian GNU/Linux', kernel: '/EFI/debian/vmlinuz', initrd: '/EFI/debian/initrd.img', rootUuid: '6a1f0c2e-1111-4222-8333-444455556666', espUuid: '1234-ABCD' });

/** grub.cfg: token soups of GRUB's shell grammar, the config bootmedic writes with token edits, and any text. */
export const grubCfgTarget: FuzzTarget<string> = {
  name: 'grub-cfg',
  codes: none,
  arbitrary: () =>
    fc.oneof(
      fc.array(fc.constantFrom(...GRUB_TOKENS), { maxLength: 200 }).map((ws) => ws.join('')),
      fc.array(fc.constantFrom(...GRUB_TOKENS), { maxLength: 200 }).map((ws) => ws.join(' ')),
      fc.tuple(fc.nat(grubCfgText.length), fc.nat(40), fc.constantFrom(...GRUB_TOKENS)).map(([at, del, tok]) => grubCfgText.slice(0, at) + tok + grubCfgText.slice(at + del)),
      fc.string({ unit: 'binary', maxLength: 2000 }),
    ),
  size: (s) => Buffer.byteLength(s),
  run(text) {
    const c = parseGrubCfg(text);
    // Every entry was opened by a '{' (backslashes may build the word "menuentry" itself).
    const braces = text.split('{').length - 1;
    assert.ok(c.entries.length <= braces, `${c.entries.length} entries from ${braces} '{'`);
    assert.ok(c.problems.length <= text.length + 1, 'more problems than characters');
  },
  // An unclosed "${" scanned for its brace from every "${" (quadratic before the fix).
  grow: (n) => '${'.repeat(Math.floor(n / 2)),
};

let efiSamples: Buffer[] | undefined;
// "MZ fake grub " and 2000 bytes of filler put the tar header at byte 2013.
const efis = () => (efiSamples ??= [Buffer.concat([Buffer.from('MZ fake grub '), Buffer.alloc(2000, 0x90), tarOneFile('boot/grub/grub.cfg', Buffer.from(stubConfig('1234-ABCD', '/EFI/debian/grub.cfg'))), Buffer.alloc(100)])]);

/** The grub.cfg a grub-mkstandalone loader embeds in its memdisk tar: the tar header mutated. */
export const memdiskTarget: FuzzTarget<Sampled> = {
  name: 'grub-memdisk',
  codes: none,
  arbitrary: () => sampled(efis),
  size: sizeOf(efis),
  run(input) {
    withSample(efis(), input, () => [[2013, 2013 + 512]], (b) => {
      const cfg = memdiskConfig(b);
      if (cfg !== undefined) parseGrubCfg(cfg);
    });
  },
  grow: (n) => ({ raw: Buffer.from('ustar'.repeat(Math.floor(n / 5))) }),
};

// initrd -----------------------------------------------------------------------------

let initrdSamples: Buffer[] | undefined;
function initrds(): Buffer[] {
  if (initrdSamples !== undefined) return initrdSamples;
  const early = cpioNewc({ 'kernel/x86/microcode/GenuineIntel.bin': 'ucode' });
  const main = cpioNewc({ init: '#!/bin/sh\necho hello\n', 'bin/sh': Buffer.alloc(600, 7), 'etc/x': 'y' });
  initrdSamples = [main, Buffer.concat([early, zlib.gzipSync(main)]), Buffer.concat([early, Buffer.alloc(12), zstdCompress(main)])];
  return initrdSamples;
}

/** initrd: cpio archives, an early cpio plus a gzip or zstd main archive, mutated; and raw bytes. */
export const initrdTarget: FuzzTarget<Sampled> = {
  name: 'initrd',
  codes,
  arbitrary: () => sampled(initrds),
  size: sizeOf(initrds),
  run(input) {
    withSample(initrds(), input, whole, (b) => {
      const info = inspectInitrd(b);
      assert.ok(info.segments.length >= 1 && info.files >= 0);
    });
  },
  // Many tiny cpio members: each header is parsed once.
  grow: (n) => ({ raw: cpioNewc(Object.fromEntries(Array.from({ length: Math.floor(n / 128) }, (_, i) => [`f${i}`, 'x']))) }),
};

// zstd frame walker ------------------------------------------------------------------

let frames: Buffer[] | undefined;
const zframes = () => (frames ??= [zstdCompress(Buffer.alloc(5000, 1)), zstdCompress(Buffer.from('hello zstd '.repeat(300))), zstdCompress(Buffer.alloc(0))]);

/** zstd frames (RFC 8878) with mutated headers and block headers; the length is never past the end. */
export const zstdFrameTarget: FuzzTarget<Sampled> = {
  name: 'zstd-frame',
  codes: none,
  arbitrary: () => sampled(zframes, 600),
  size: sizeOf(zframes),
  run(input) {
    withSample(zframes(), input, whole, (b) => {
      const n = zstdFrameLength(b);
      assert.ok(n === undefined || (Number.isInteger(n) && n >= 6 && n <= b.length), `frame length ${n} of a ${b.length}-byte buffer`);
    });
  },
};

// bzImage header ---------------------------------------------------------------------

let kernels: Buffer[] | undefined;
const bz = () => (kernels ??= [fakeBzImage(3000)]);

/** The x86 boot protocol header of a kernel, mutated and cut. */
export const bzImageTarget: FuzzTarget<Sampled> = {
  name: 'bzimage',
  codes: none,
  arbitrary: () => sampled(bz),
  size: sizeOf(bz),
  run(input) {
    withSample(bz(), input, () => [[0x1f0, 0x210]], (b) => {
      const p = kernelImageProblem(b);
      assert.ok(p === undefined || typeof p === 'string');
    });
  },
};

// fstab ------------------------------------------------------------------------------

const FSTAB_TOKENS = ['UUID=6a1f0c2e-1111-4222-8333-444455556666', 'LABEL=root', '/dev/vda1', '/', '/boot/efi', 'ext4', 'vfat', 'defaults', 'errors=remount-ro', 'umask=0077', '0', '1', '2', 'x', '\\040', '\\0', '#', ' ', '\t', '\n', ',', '\r'];

/** fstab(5) text: token soups and any text; malformed lines become problems, never exceptions. */
export const fstabTarget: FuzzTarget<string> = {
  name: 'fstab',
  codes: none,
  arbitrary: () => fc.oneof(fc.array(fc.constantFrom(...FSTAB_TOKENS), { maxLength: 200 }).map((t) => t.join('')), fc.string({ unit: 'binary', maxLength: 1000 })),
  size: (s) => Buffer.byteLength(s),
  run(text) {
    const f = parseFstab(text);
    const lines = text.split('\n').length;
    assert.ok(f.lines.length + f.problems.length <= lines, `${f.lines.length} lines and ${f.problems.length} problems from ${lines} lines`);
    for (const l of f.lines) assert.ok(l.line >= 1 && l.line <= lines && Number.isFinite(l.pass));
  },
  grow: (n) => 'UUID=x / ext4 defaults 0 1\n'.repeat(Math.floor(n / 27)),
};
