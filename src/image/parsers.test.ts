import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import * as zlib from 'node:zlib';
import { isBootmedicError } from '../core/index.ts';
import { crc32 } from './crc32.ts';
import { parseFstab } from './ext4.ts';
import { guidToString } from './gpt.ts';
import { parseGrubCfg, renderGrubCfg } from './grub-cfg.ts';
import { inspectInitrd } from './initrd.ts';
import { parseQcow2Header } from './qcow2.ts';
import { cpioNewc } from '../../testkit/index.ts';

describe('crc32', () => {
  it('matches the IEEE check value', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  });
});

describe('GPT GUIDs', () => {
  it('formats the mixed-endian on-disk layout', () => {
    const b = Buffer.from('28732ac11ff8d211ba4b00a0c93ec93b', 'hex');
    assert.equal(guidToString(b), 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b');
  });
});

describe('grub.cfg parser', () => {
  const debianLike = `
# comment with { brace
insmod part_gpt
set default="0"
if [ x"\${feature_menuentry_id}" = xy ]; then
  menuentry_id_option="--id"
fi
function load_video {
  insmod all_video
}
search --no-floppy --fs-uuid --set=root 1234-ABCD
menuentry 'Debian GNU/Linux' --class debian $menuentry_id_option 'gnulinux-simple' {
\tload_video
\tsearch --no-floppy --fs-uuid --set=root 1234-ABCD
\techo 'Loading Linux ...'
\tlinux\t/EFI/debian/vmlinuz-6.1.0-50-amd64 root=UUID=6a1f0c2e-aaaa-bbbb-cccc-000000000000 ro console=ttyS0,115200
\tinitrd\t/EFI/debian/initrd.img-6.1.0-50-amd64
}
submenu 'Advanced options' {
\tmenuentry "Recovery" {
\t\tlinux (hd0,gpt1)/EFI/debian/vmlinuz-6.1.0-50-amd64 root=UUID=6a1f0c2e-aaaa-bbbb-cccc-000000000000 ro single
\t}
}
`;
  it('finds entries with kernel, initrd, root= and search through set/insmod/if/function', () => {
    const c = parseGrubCfg(debianLike);
    assert.deepEqual(c.problems, []);
    assert.equal(c.entries.length, 2);
    const [a, b] = c.entries;
    assert.equal(a!.title, 'Debian GNU/Linux');
    assert.equal(a!.linux, '/EFI/debian/vmlinuz-6.1.0-50-amd64');
    assert.deepEqual(a!.initrds, ['/EFI/debian/initrd.img-6.1.0-50-amd64']);
    assert.equal(a!.root, 'UUID=6a1f0c2e-aaaa-bbbb-cccc-000000000000');
    assert.equal(a!.searchUuid, '1234-ABCD');
    assert.equal(b!.linux, '/EFI/debian/vmlinuz-6.1.0-50-amd64', 'the (hd0,gpt1) device prefix is stripped');
    assert.equal(c.defaultEntry, '0');
    assert.equal(c.searchUuid, '1234-ABCD');
  });
  it('reports a missing closing brace (the corpus grub-cfg-syntax-error fault)', () => {
    const text = debianLike.replace(/\tinitrd\t[^\n]*\n}/, (m) => m.slice(0, -1));
    const c = parseGrubCfg(text);
    assert.ok(c.problems.some((p) => /never closed/.test(p)), c.problems.join('; '));
  });
  it('reports a stray closing brace and an unterminated quote', () => {
    assert.ok(parseGrubCfg('}\n').problems.some((p) => /without an opening/.test(p)));
    assert.ok(parseGrubCfg("menuentry 'x {\n").problems.some((p) => /unterminated single quote/.test(p)));
  });
  it('reads back what renderGrubCfg writes', () => {
    const c = parseGrubCfg(renderGrubCfg({ title: "it's", kernel: '/k', initrd: '/i', rootUuid: 'u-1', espUuid: 'AB-CD' }));
    assert.deepEqual(c.problems, []);
    assert.equal(c.entries[0]!.title, "it's");
    assert.equal(c.entries[0]!.root, 'UUID=u-1');
    assert.deepEqual(c.entries[0]!.initrds, ['/i']);
  });
});

describe('fstab parser', () => {
  it('splits fields, skips comments, reports short lines', () => {
    const { lines, problems } = parseFstab('# x\nUUID=a / ext4 defaults 0 1\n\nLABEL=b\\040c /srv ext4 nofail,ro\nbroken line\n');
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!.spec, 'LABEL=b c');
    assert.deepEqual(lines[1]!.options, ['nofail', 'ro']);
    assert.equal(lines[0]!.pass, 1);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /line 5/);
  });
});

describe('initrd', () => {
  const main = cpioNewc({ init: '#!/bin/sh\n', 'bin/busybox': randomBytes(1000) });
  const early = cpioNewc({ 'kernel/x86/microcode/AuthenticAMD.bin': 'x' });
  it('reads an early cpio followed by a gzip main cpio and finds /init', () => {
    const info = inspectInitrd(Buffer.concat([early, gzipSync(main)]));
    assert.deepEqual(info.segments, ['cpio', 'gzip']);
    assert.equal(info.hasInit, true);
    assert.equal(info.files, 3);
  });
  it('reads zstd', { skip: typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== 'function' && 'no zstd in this node' }, () => {
    const z = (zlib as unknown as { zstdCompressSync: (b: Buffer) => Buffer }).zstdCompressSync(main);
    const info = inspectInitrd(z);
    assert.deepEqual(info.segments, ['zstd']);
    assert.equal(info.hasInit, true);
  });
  it('says /init is absent when it is', () => {
    assert.equal(inspectInitrd(gzipSync(cpioNewc({ 'sbin/init': 'x' }))).hasInit, false);
  });
  it('throws IMAGE_BAD_INITRD for a truncated archive (the corpus initrd-truncated fault)', () => {
    const whole = Buffer.concat([early, gzipSync(main)]);
    assert.throws(() => inspectInitrd(whole.subarray(0, whole.length - 200)), (e) => isBootmedicError(e, 'IMAGE_BAD_INITRD'));
    assert.throws(() => inspectInitrd(Buffer.from('not an initrd at all')), (e) => isBootmedicError(e, 'IMAGE_BAD_INITRD'));
  });
});

describe('qcow2 header', () => {
  it('rejects a wrong magic and a wrong version with IMAGE_BAD_QCOW2', () => {
    const h = Buffer.alloc(512);
    assert.throws(() => parseQcow2Header(h, 512), (e) => isBootmedicError(e, 'IMAGE_BAD_QCOW2'));
    h.writeUInt32BE(0x514649fb, 0);
    h.writeUInt32BE(7, 4);
    assert.throws(() => parseQcow2Header(h, 512), (e) => isBootmedicError(e, 'IMAGE_BAD_QCOW2') && /version 7/.test(e.message));
  });
});
