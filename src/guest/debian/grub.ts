// GRUB for the image, from Debian's packages: fetched with `apt-get download`, unpacked
// with dpkg-deb into the cache (never installed on the host), and run from there with
// --directory pointing at the unpacked modules.
import { existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTool } from '../../core/index.ts';
import { BUILD_ENV } from './build-env.ts';
import { grubKey, type DebianFirmware, type DebianRecipe } from './recipe.ts';
import { removeStaleTemps, unmountAndRemove, type Step } from './rootfs.ts';

/** Where a firmware's GRUB packages are unpacked. */
export type GrubTree = { root: string; packages: string[] };

/**
 * Returns the unpacked GRUB packages for `firmware` (or, for 'secure-boot', Debian's signed
 * shim and GRUB), downloading and unpacking them when absent.
 */
export async function ensureGrub(guestsDir: string, recipe: DebianRecipe, firmware: DebianFirmware | 'secure-boot', step: Step, signal?: AbortSignal): Promise<GrubTree> {
  const dir = join(guestsDir, 'debian', `${firmware === 'secure-boot' ? 'signed' : 'grub'}-${grubKey(recipe, firmware)}`);
  const root = join(dir, 'root');
  if (existsSync(join(dir, 'debs'))) {
    step(`GRUB packages: cached (${dir})`);
    return { root, packages: readdirSync(join(dir, 'debs')).sort() };
  }
  const sig = { env: BUILD_ENV, ...(signal ? { signal } : {}) };
  const tmp = `${dir}.tmp-${process.pid}`;
  await removeStaleTemps(dir);
  mkdirSync(join(tmp, 'debs'), { recursive: true });
  try {
    const pkgs = firmware === 'secure-boot' ? recipe.secureBootPackages : recipe.grubPackages[firmware];
    step(`download ${pkgs.join(', ')} (apt-get download)`);
    // As root, apt warns that the _apt user cannot write here and downloads anyway.
    await runTool('apt-get', ['download', '-q', ...pkgs], { ...sig, cwd: join(tmp, 'debs') });
    const debs = readdirSync(join(tmp, 'debs')).filter((f) => f.endsWith('.deb')).sort();
    step(`unpack ${debs.length} packages (dpkg-deb -x)`);
    for (const d of debs) await runTool('dpkg-deb', ['-x', join(tmp, 'debs', d), join(tmp, 'root')], sig);
    renameSync(tmp, dir);
    return { root, packages: debs };
  } catch (e) {
    await unmountAndRemove(tmp);
    throw e;
  }
}

/** The stub config embedded in the EFI binary: find the ESP by its FAT id, then read the real grub.cfg. It never sets prefix. */
export function stubConfig(espUuid: string): string {
  // Setting prefix here would make GRUB look for modules on the ESP, where there are none;
  // grub-mkstandalone's memdisk prefix must stay (INDEX.md: grub-wrong-prefix-module-not-found).
  // GRUB autoloads commands and filesystems from its memdisk, but not partition maps: without
  // part_gpt the ESP is invisible and search fails with "no such device".
  return `insmod part_gpt\ninsmod fat\nsearch --no-floppy --fs-uuid --set=root ${espUuid}\nconfigfile /EFI/debian/grub.cfg\n`;
}

/** The real grub.cfg on the ESP: one entry loading kernel and initrd from the ESP. */
export function grubConfig(o: { kernelVersion: string; rootUuid: string; cmdline: string; timeout: number; firmware: DebianFirmware }): string {
  // GRUB on BIOS draws on the VGA text screen; the serial console only sees it when told.
  // OVMF already mirrors its console to the serial port, so UEFI needs no such lines.
  const serial = o.firmware === 'bios' ? 'serial --unit=0 --speed=115200\nterminal_input serial\nterminal_output serial\n' : '';
  const v = o.kernelVersion;
  return [
    `# Written by bootmedic for the Debian guest (${o.firmware}).`,
    `${serial}set default=0`,
    `set timeout=${o.timeout}`,
    '',
    `menuentry 'Debian GNU/Linux, with Linux ${v}' {`,
    `\techo 'Loading Linux ${v} ...'`,
    `\tlinux /EFI/debian/vmlinuz-${v} root=UUID=${o.rootUuid} ${o.cmdline}`,
    `\techo 'Loading initial ramdisk ...'`,
    `\tinitrd /EFI/debian/initrd.img-${v}`,
    '}',
    '',
  ].join('\n');
}

/**
 * The signed boot chain on the ESP, from the unpacked signed packages. UEFI's removable
 * path EFI/BOOT/BOOTX64.EFI is shim (signed by the Microsoft UEFI CA); shim loads
 * grubx64.efi from its own folder (signed by Debian, whose CA shim carries) and, when that
 * fails verification, mmx64.efi (MokManager). fbx64.efi is left out: shim started from
 * EFI/BOOT runs it when present, and it would write boot entries and reset on every boot
 * (each boot gets a fresh variable store). Debian's signed GRUB is monolithic: its
 * built-in prefix is /EFI/debian on the device it was loaded from, and its memdisk config
 * sources $prefix/grub.cfg there, so the plain image's /EFI/debian/grub.cfg serves as is.
 */
export function signedBootFiles(signed: GrubTree): { src: string; dest: string }[] {
  return [
    { src: join(signed.root, 'usr/lib/shim/shimx64.efi.signed'), dest: '/EFI/BOOT/BOOTX64.EFI' },
    { src: join(signed.root, 'usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed'), dest: '/EFI/BOOT/grubx64.efi' },
    { src: join(signed.root, 'usr/lib/shim/mmx64.efi.signed'), dest: '/EFI/BOOT/mmx64.efi' },
  ];
}

/** Builds EFI/BOOT/BOOTX64.EFI with grub-mkstandalone (modules in a memdisk, the stub as its grub.cfg). */
export async function makeEfiBinary(grub: GrubTree, stubPath: string, out: string, signal?: AbortSignal): Promise<void> {
  // grub-mkstandalone links libefivar/libefiboot, unpacked beside it; the dynamic loader's
  // --library-path finds them without touching the environment or the host.
  await runTool(
    '/lib64/ld-linux-x86-64.so.2',
    [
      '--library-path',
      join(grub.root, 'usr/lib/x86_64-linux-gnu'),
      join(grub.root, 'usr/bin/grub-mkstandalone'),
      '-O',
      'x86_64-efi',
      `--directory=${join(grub.root, 'usr/lib/grub/x86_64-efi')}`,
      '--locales=',
      '--themes=',
      '--fonts=',
      '-o',
      out,
      `boot/grub/grub.cfg=${stubPath}`,
    ],
    { env: BUILD_ENV, ...(signal ? { signal } : {}) },
  );
}

// GRUB modules linked into the BIOS core.img: enough to find the ESP, read FAT on GPT,
// talk on the serial port and boot Linux, so nothing is loaded from a prefix.
const BIOS_MODULES = ['biosdisk', 'part_gpt', 'part_msdos', 'fat', 'ext2', 'search', 'search_fs_uuid', 'configfile', 'normal', 'linux', 'echo', 'test', 'serial', 'terminal', 'boot', 'minicmd'];

/** Builds the i386-pc core.img (for the BIOS boot partition) and returns it with GRUB's boot.img. */
export async function makeBiosImages(grub: GrubTree, stubPath: string, dir: string, signal?: AbortSignal): Promise<{ core: string; boot: string }> {
  const mods = join(grub.root, 'usr/lib/grub/i386-pc');
  const core = join(dir, 'core.img');
  await runTool(join(grub.root, 'usr/bin/grub-mkimage'), ['-O', 'i386-pc', '-d', mods, '-o', core, '-c', stubPath, '-p', '/EFI/debian', ...BIOS_MODULES], { env: BUILD_ENV, ...(signal ? { signal } : {}) });
  return { core, boot: join(mods, 'boot.img') };
}

/** Writes a file and returns its path (small helper for the configs). */
export function writeText(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}
