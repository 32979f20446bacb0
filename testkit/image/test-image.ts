// Builds small, real GPT + FAT ESP + ext4 root disk images for the image part's tests
// (and for fault injectors): the same layout as the Debian guest, a few MB in size.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { gzipSync } from 'node:zlib';
import { runToolSync } from '../../src/core/index.ts';
import { renderGrubCfg, tarOneFile } from '../../src/image/index.ts';

const MiB = 1024 * 1024;

/** What a built test image holds, so tests can break and check it. */
export type TestImage = Readonly<{
  dir: string;
  path: string;
  rootUuid: string;
  espVolumeId: string;
  espOffset: number;
  espSize: number;
  rootOffset: number;
  rootSize: number;
  kernelPath: string;
  initrdPath: string;
  grubCfgPath: string;
  kernel: Buffer;
  initrd: Buffer;
}>;

/** The config grub-mkstandalone embeds in the Debian guest's loader: find the ESP, load its grub.cfg. */
export function stubConfig(espVolumeId: string, grubCfgPath: string, extra = ''): string {
  return `insmod part_gpt\ninsmod fat\n${extra}search --no-floppy --fs-uuid --set=root ${espVolumeId}\nconfigfile ${grubCfgPath}\n`;
}

/** A stand-in grub-mkstandalone binary: "MZ", filler, and a memdisk tar holding `stub` as boot/grub/grub.cfg. */
export function fakeGrubEfi(stub: string): Buffer {
  return Buffer.concat([Buffer.from('MZ fake grub '), randomBytes(20_000), tarOneFile('boot/grub/grub.cfg', Buffer.from(stub)), randomBytes(1000)]);
}

/** A stand-in kernel: random bytes with an x86 boot header whose sizes match the file (boot.rst). */
export function fakeBzImage(payload: number): Buffer {
  const setupSects = 4;
  const paragraphs = Math.ceil(payload / 16);
  const k = randomBytes((setupSects + 1) * 512 + paragraphs * 16);
  k.write('MZ', 0, 'latin1');
  k[0x1f1] = setupSects;
  k.writeUInt32LE(paragraphs, 0x1f4);
  k.write('HdrS', 0x202, 'latin1');
  return k;
}

/** Writes a cpio newc archive of the given files (name → content, mode 0100755). */
export function cpioNewc(files: Readonly<Record<string, Buffer | string>>): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const member = (name: string, data: Buffer, mode: number) => {
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length + 1, 0];
    const head = Buffer.from('070701' + fields.map(hex).join('') + name + '\0', 'latin1');
    parts.push(head, Buffer.alloc((4 - (head.length % 4)) % 4), data, Buffer.alloc((4 - (data.length % 4)) % 4));
  };
  for (const [name, data] of Object.entries(files)) member(name, Buffer.from(data), 0o100755);
  member('TRAILER!!!', Buffer.alloc(0), 0);
  return Buffer.concat(parts);
}

/** Builds a test disk in a fresh temp directory: GPT, a FAT32 ESP with GRUB files, an ext4 root with /etc/fstab. */
export function buildTestImage(o: { espMiB?: number; rootMiB?: number; fat?: 12 | 16 | 32; dir?: string; initrdPayloadMiB?: number; initrdCompression?: 'gzip' | 'zstd'; biosBoot?: boolean } = {}): TestImage {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'bootmedic-img-'));
  const espMiB = o.espMiB ?? 34;
  const rootMiB = o.rootMiB ?? 12;
  const rootUuid = '6a1f0c2e-1111-4222-8333-444455556666';
  const espVolumeId = '1234-ABCD';
  const kernelPath = '/EFI/debian/vmlinuz-6.1.0-test-amd64';
  const initrdPath = '/EFI/debian/initrd.img-6.1.0-test-amd64';
  const grubCfgPath = '/EFI/debian/grub.cfg';
  const kernel = fakeBzImage(150_000);
  // initramfs-tools style: an uncompressed early cpio, then a compressed main cpio.
  const payload: Record<string, Buffer | string> = { init: '#!/bin/sh\necho hello\n', 'bin/sh': randomBytes(4000) };
  // Modules-like filler: half random, half zeros, so it compresses about 2:1 like a real initrd.
  for (let i = 0; i < (o.initrdPayloadMiB ?? 0); i++) payload[`lib/modules/m${i}.ko`] = Buffer.concat([randomBytes(512 * 1024), Buffer.alloc(512 * 1024)]);
  const main = cpioNewc(payload);
  const zstd = (zlib as unknown as { zstdCompressSync: (b: Buffer) => Buffer }).zstdCompressSync;
  const initrd = Buffer.concat([cpioNewc({ 'kernel/x86/microcode/GenuineIntel.bin': 'ucode' }), o.initrdCompression === 'zstd' ? zstd(main) : gzipSync(main)]);

  const stage = join(dir, 'stage');
  mkdirSync(join(stage, 'etc'), { recursive: true });
  mkdirSync(join(stage, 'home', 'user'), { recursive: true });
  writeFileSync(join(stage, 'etc', 'fstab'), `# /etc/fstab\nUUID=${rootUuid} / ext4 errors=remount-ro 0 1\nUUID=${espVolumeId} /boot/efi vfat umask=0077 0 1\n`);
  writeFileSync(join(stage, 'home', 'user', 'data.txt'), 'precious user data\n');
  symlinkSync('../home/user/data.txt', join(stage, 'etc', 'link-to-data'));
  const files = join(dir, 'files');
  mkdirSync(files, { recursive: true });
  writeFileSync(join(files, 'BOOTX64.EFI'), fakeGrubEfi(stubConfig(espVolumeId, grubCfgPath)));
  writeFileSync(join(files, 'kernel'), kernel);
  writeFileSync(join(files, 'initrd'), initrd);
  writeFileSync(join(files, 'grub.cfg'), renderGrubCfg({ title: 'Debian GNU/Linux', kernel: kernelPath, initrd: initrdPath, rootUuid, espUuid: espVolumeId }));

  const esp = join(dir, 'esp.img');
  writeFileSync(esp, '');
  runToolSync('truncate', ['-s', `${espMiB}M`, esp]);
  const fat = o.fat ?? 32;
  runToolSync('mkfs.fat', ['-F', String(fat), ...(fat === 12 ? [] : ['-s', '1']), '-i', espVolumeId.replace('-', ''), '-n', 'ESP', esp]);
  runToolSync('mmd', ['-i', esp, '::EFI', '::EFI/BOOT', '::EFI/debian']);
  // A BIOS variant boots GRUB from the MBR and the BIOS boot partition; it has no UEFI loader.
  if (o.biosBoot !== true) runToolSync('mcopy', ['-i', esp, join(files, 'BOOTX64.EFI'), '::EFI/BOOT/BOOTX64.EFI']);
  runToolSync('mcopy', ['-i', esp, join(files, 'grub.cfg'), `::${grubCfgPath}`]);
  runToolSync('mcopy', ['-i', esp, join(files, 'kernel'), `::${kernelPath}`]);
  runToolSync('mcopy', ['-i', esp, join(files, 'initrd'), `::${initrdPath}`]);

  const root = join(dir, 'root.img');
  runToolSync('mkfs.ext4', ['-q', '-F', '-U', rootUuid, '-L', 'root', '-d', stage, root, `${rootMiB}M`]);

  const path = join(dir, 'disk.img');
  const espOffset = MiB;
  const espSize = espMiB * MiB;
  const rootOffset = espOffset + espSize;
  const rootSize = rootMiB * MiB;
  writeFileSync(path, '');
  const biosMiB = o.biosBoot === true ? 1 : 0;
  runToolSync('truncate', ['-s', String(rootOffset + rootSize + (1 + biosMiB) * MiB), path]);
  const bios = biosMiB === 0 ? '' : `start=${(rootOffset + rootSize) / 512}, size=${MiB / 512}, type=21686148-6449-6E6F-744E-656564454649, name="BIOS boot"\n`;
  const script = `label: gpt\nunit: sectors\nstart=2048, size=${espSize / 512}, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI"\nstart=${rootOffset / 512}, size=${rootSize / 512}, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"\n${bios}`;
  runToolSync('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', path], { input: script });
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, readFileSync(esp), 0, espSize, espOffset);
    writeSync(fd, readFileSync(root), 0, rootSize, rootOffset);
    if (biosMiB > 0) {
      const code = randomBytes(440);
      code.write('GRUB ', 0x180, 'latin1');
      writeSync(fd, code, 0, 440, 0);
      writeSync(fd, randomBytes(64 * 1024), 0, 64 * 1024, rootOffset + rootSize);
    }
  } finally {
    closeSync(fd);
  }
  return { dir, path, rootUuid, espVolumeId, espOffset, espSize, rootOffset, rootSize, kernelPath, initrdPath, grubCfgPath, kernel, initrd };
}
