// Builds the Debian guest image in stages, each cached: debootstrap (keyed by the package
// list), GRUB packages (keyed by their names), and the finished image (keyed by every
// input: the content address in its name). No loop device and no mount is used.
import { createHash } from 'node:crypto';
import { chownSync, closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AppConfig } from '../../config/index.ts';
import { processAlive, runTool } from '../../core/index.ts';
import { BUILD_ENV } from './build-env.ts';
import { assembleDisk, installBiosGrub, planLayout } from './disk.ts';
import { debianErrors } from './errors.ts';
import { makeEsp } from './esp.ts';
import { ensureGrub, grubConfig, makeBiosImages, makeEfiBinary, signedBootFiles, stubConfig, writeText } from './grub.ts';
import { derivedUuid, derivedVolumeId, imageKey, loadRecipe, rootfsKey, type DebianFirmware, type DebianRecipe } from './recipe.ts';
import { customiseRootfs, ensureRootfs, removeStaleTemps, unmountAndRemove, type Step } from './rootfs.ts';

/** A built Debian guest image and what a booter or inspector needs to know about it. */
export type DebianGuest = Readonly<{
  /** The raw disk image (boot it through a qcow2 overlay; never write to it). */
  image: string;
  format: 'raw';
  firmware: DebianFirmware;
  /** The UEFI Secure Boot variant: Debian's signed shim → signed GRUB → signed kernel (absent on the plain images). */
  secureBoot?: true;
  /** Secure Boot variant: the signed packages (.deb file names, with versions) the boot chain came from. */
  signedPackages?: readonly string[];
  /** ext4 UUID of the root filesystem (partition 2), as on the kernel command line. */
  rootUuid: string;
  /** FAT volume id of the ESP (partition 1) as GRUB and fstab write it: `XXXX-XXXX`. */
  espUuid: string;
  diskGuid: string;
  kernelVersion: string;
  /** Kernel command line in grub.cfg. */
  cmdline: string;
  hostname: string;
  rootPassword: string;
  /** Content address: hash of every build input (recipe, firmware, assembly version). */
  key: string;
  sha256: string;
  sizeBytes: number;
  /** sha256 of each boot artefact, by its path on the ESP. */
  artefacts: Readonly<Record<string, string>>;
  partitions: readonly { number: number; name: string; type: string; uuid: string; startSector: number; sectors: number }[];
  /** `package version` of every package in the root, for provenance. */
  packages: readonly string[];
  mirror: string;
  builtAt: string;
  buildSeconds: number;
}>;

/** Options of a build. */
export type DebianBuildOptions = {
  app: AppConfig;
  firmware?: DebianFirmware;
  /** UEFI only: build the Secure Boot variant (signed shim and GRUB instead of grub-mkstandalone); its own cache key. */
  secureBoot?: boolean;
  signal?: AbortSignal;
  /** Called with one short line per step. */
  onProgress?: (step: string) => void;
};

// Tools the build runs, checked before the slow part so a missing one fails in a second.
const TOOLS = ['debootstrap', 'chroot', 'cp', 'apt-get', 'dpkg-deb', 'dpkg-query', 'mkfs.ext4', 'mkfs.fat', 'mmd', 'mcopy', 'sfdisk'];

function findTool(t: string): boolean {
  return ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(join(d, t)));
}

/** Which image of the recipe: the firmware, and for UEFI the Secure Boot variant. */
export type DebianVariant = { secureBoot?: boolean };

function paths(app: AppConfig, recipe: DebianRecipe, firmware: DebianFirmware, v: DebianVariant = {}) {
  const guests = join(app.cache, 'guests');
  const key = imageKey(recipe, firmware, v.secureBoot === true ? { secureBoot: true } : {});
  return { guests, key, image: join(guests, `debian-${key}.img`), manifest: join(guests, `debian-${key}.json`) };
}

/** The cached image for the current recipe and `firmware` (and variant), or undefined when it has not been built. */
export function resolveDebianGuest(app: AppConfig, firmware: DebianFirmware = 'uefi', v: DebianVariant = {}): DebianGuest | undefined {
  const p = paths(app, loadRecipe(), firmware, v);
  if (!existsSync(p.manifest) || !existsSync(p.image)) return undefined;
  try {
    const g = JSON.parse(readFileSync(p.manifest, 'utf8')) as DebianGuest;
    return g.image === p.image && statSync(p.image).size === g.sizeBytes ? Object.freeze(g) : undefined;
  } catch {
    return undefined;
  }
}

/** Like resolveDebianGuest, but throws GUEST_DEBIAN_NOT_BUILT naming the command to run. */
export function requireDebianGuest(app: AppConfig, firmware: DebianFirmware = 'uefi', v: DebianVariant = {}): DebianGuest {
  const g = resolveDebianGuest(app, firmware, v);
  if (g !== undefined) return g;
  const sb = v.secureBoot === true;
  const fix = sb ? "Run 'bootmedic guest build debian --secure-boot' first." : firmware === 'bios' ? "Run 'bootmedic guest build debian --firmware bios' first." : undefined;
  throw debianErrors.make('GUEST_DEBIAN_NOT_BUILT', `no Debian ${firmware}${sb ? ' Secure Boot' : ''} image in ${join(app.cache, 'guests')}`, fix ? { fix } : {});
}

/**
 * Built as root (sudo) into a cache that a user owns (CI: the runner built the tiny guest
 * there first), the image, its manifest and the guests/ folder are given to that user so
 * that later unprivileged runs can write beside them. The debootstrap tree stays root's:
 * its ownership is what mkfs.ext4 -d copies into the image.
 */
function handOver(image: string, manifest: string): void {
  if (process.getuid?.() !== 0) return;
  const guests = dirname(image);
  const owner = statSync(dirname(guests));
  if (owner.uid === 0) return;
  for (const p of [guests, image, manifest]) chownSync(p, owner.uid, owner.gid);
}

function sha256File(path: string): Promise<string> {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (b) => h.update(b))
      .on('error', rej)
      .on('end', () => res(h.digest('hex')));
  });
}

/** One build at a time per cache: a lock file holding the builder's pid; a dead holder's lock is taken over. */
async function withLock<T>(file: string, step: Step, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  let said = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
      if (!Number.isFinite(holder) || !processAlive(holder)) {
        rmSync(file, { force: true });
        continue;
      }
      if (!said) step(`waiting for another build (pid ${holder}) to finish`);
      said = true;
      if (signal?.aborted) throw debianErrors.make('GUEST_DEBIAN_ABORTED', 'aborted while waiting for another build');
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * Builds (or finds in the cache) the Debian 12 disk image: GPT, FAT32 ESP with a
 * standalone GRUB, kernel and initrd, and an ext4 root made by debootstrap.
 *
 * @example
 * const g = await buildDebianGuest({ app, onProgress: (s) => process.stderr.write(`${s}\n`) });
 * // g.image → <cache>/guests/debian-<key>.img
 */
export async function buildDebianGuest(opts: DebianBuildOptions): Promise<DebianGuest> {
  const { app, signal } = opts;
  const firmware = opts.firmware ?? 'uefi';
  const secureBoot = opts.secureBoot === true;
  // Secure Boot is a UEFI thing; the CLI and vm.yaml refuse the pair before this.
  if (secureBoot && firmware !== 'uefi') throw new TypeError('buildDebianGuest: secureBoot needs firmware uefi');
  const variant: DebianVariant = secureBoot ? { secureBoot } : {};
  const step: Step = opts.onProgress ?? (() => {});
  const recipe = loadRecipe();
  const p = paths(app, recipe, firmware, variant);
  const cached = resolveDebianGuest(app, firmware, variant);
  if (cached) {
    step(`cached: ${cached.image}`);
    return cached;
  }
  const missing = TOOLS.filter((t) => !findTool(t));
  if (missing.length > 0) throw debianErrors.make('GUEST_DEBIAN_TOOL_MISSING', `host tools not installed: ${missing.join(', ')}`);
  if (process.getuid?.() !== 0) throw debianErrors.make('GUEST_DEBIAN_NEEDS_ROOT', 'the Debian image build runs debootstrap and chroot');
  mkdirSync(join(p.guests, 'debian'), { recursive: true });
  return withLock(join(p.guests, 'debian', '.build.lock'), step, signal, async () => {
    const again = resolveDebianGuest(app, firmware, variant);
    if (again) return again;
    const started = Date.now();
    const rootfs = await ensureRootfs(p.guests, recipe, step, signal);
    // The Secure Boot variant boots Debian's signed binaries and needs no grub-mkstandalone.
    const grub = await ensureGrub(p.guests, recipe, secureBoot ? 'secure-boot' : firmware, step, signal);
    // Named by our pid, so a build killed outright (SIGKILL) is cleaned up by the next one.
    const workBase = join(p.guests, 'debian', 'work');
    await removeStaleTemps(workBase);
    const work = `${workBase}.tmp-${process.pid}`;
    mkdirSync(work);
    try {
      return await assemble({ recipe, firmware, secureBoot, key: p.key, rootfsDir: rootfs.dir, mirror: rootfs.mirror, grub, work, out: p.image, manifest: p.manifest, step, started, ...(signal ? { signal } : {}) });
    } finally {
      step('remove the work directory');
      await unmountAndRemove(work);
    }
  });
}

type AssembleInput = {
  recipe: DebianRecipe;
  firmware: DebianFirmware;
  secureBoot: boolean;
  key: string;
  rootfsDir: string;
  mirror: string;
  grub: Awaited<ReturnType<typeof ensureGrub>>;
  work: string;
  out: string;
  manifest: string;
  step: Step;
  started: number;
  signal?: AbortSignal;
};

async function assemble(a: AssembleInput): Promise<DebianGuest> {
  const { recipe, firmware, key, work, step, signal } = a;
  const sig = { env: BUILD_ENV, ...(signal ? { signal } : {}) };
  const rootUuid = derivedUuid(key, 'root-fs');
  const volId = derivedVolumeId(key);
  const espUuid = `${volId.slice(0, 4)}-${volId.slice(4)}`;
  const tree = join(work, 'rootfs');
  mkdirSync(tree);
  const kernelVersion = await customiseRootfs(a.rootfsDir, tree, recipe, { rootUuid, espVolumeId: volId }, step, signal);
  const pk = await runTool('dpkg-query', [`--admindir=${join(tree, 'var/lib/dpkg')}`, '-W', '-f', '${Package} ${Version}\\n'], sig);
  const packages = pk.stdout.split('\n').filter(Boolean);

  step(`mkfs.ext4 -d: root filesystem (${recipe.rootMiB} MiB, UUID ${rootUuid})`);
  const rootImg = join(work, 'root.ext4');
  await runTool('mkfs.ext4', ['-q', '-F', '-L', 'root', '-U', rootUuid, '-d', tree, rootImg, `${recipe.rootMiB}M`], sig);

  const secureBoot = a.secureBoot;
  step(`${secureBoot ? 'signed shim as BOOTX64.EFI, signed grubx64.efi,' : `GRUB ${firmware === 'uefi' ? 'BOOTX64.EFI (grub-mkstandalone)' : 'core.img (grub-mkimage i386-pc)'}`} and grub.cfg`);
  const stub = writeText(join(work, 'stub.cfg'), stubConfig(espUuid));
  const cmdline = `root=UUID=${rootUuid} ${recipe.cmdline}`;
  const cfg = writeText(join(work, 'grub.cfg'), grubConfig({ kernelVersion, rootUuid, cmdline: recipe.cmdline, timeout: recipe.grubTimeoutSeconds, firmware }));
  const efi = join(work, 'BOOTX64.EFI');
  let bios: { core: string; boot: string } | undefined;
  if (firmware === 'bios') bios = await makeBiosImages(a.grub, stub, work, signal);
  else if (!secureBoot) await makeEfiBinary(a.grub, stub, efi, signal);

  step(`ESP: FAT32 ${recipe.espMiB} MiB (volume ${espUuid}) with mtools`);
  const espFiles = [
    { src: cfg, dest: '/EFI/debian/grub.cfg' },
    { src: join(tree, 'boot', `vmlinuz-${kernelVersion}`), dest: `/EFI/debian/vmlinuz-${kernelVersion}` },
    { src: join(tree, 'boot', `initrd.img-${kernelVersion}`), dest: `/EFI/debian/initrd.img-${kernelVersion}` },
    ...(secureBoot ? signedBootFiles(a.grub) : firmware === 'uefi' ? [{ src: efi, dest: '/EFI/BOOT/BOOTX64.EFI' }] : []),
  ];
  const artefacts: Record<string, string> = {};
  for (const f of espFiles) artefacts[f.dest] = await sha256File(f.src);
  const espImg = join(work, 'esp.fat');
  await makeEsp(espImg, recipe.espMiB, volId, espFiles, signal);

  step('GPT (sfdisk) and partition images into a sparse disk');
  const layout = planLayout({
    diskGuid: derivedUuid(key, 'disk'),
    espMiB: recipe.espMiB,
    rootMiB: recipe.rootMiB,
    ...(firmware === 'bios' ? { biosBootMiB: recipe.biosBootMiB } : {}),
    uuids: { esp: derivedUuid(key, 'part-esp'), root: derivedUuid(key, 'part-root'), biosBoot: derivedUuid(key, 'part-bios') },
  });
  const esp = layout.partitions[0];
  const root = layout.partitions[1];
  if (esp) esp.image = espImg;
  if (root) root.image = rootImg;
  const disk = join(work, 'disk.img');
  await assembleDisk(disk, layout, signal);
  const biosPart = layout.partitions[2];
  if (bios && biosPart) installBiosGrub(disk, bios.boot, bios.core, biosPart);

  step('sha256 of the image');
  const sha256 = await sha256File(disk);
  const guest: DebianGuest = {
    image: a.out,
    format: 'raw',
    firmware,
    ...(secureBoot ? { secureBoot: true as const, signedPackages: a.grub.packages } : {}),
    rootUuid,
    espUuid,
    diskGuid: layout.diskGuid,
    kernelVersion,
    cmdline,
    hostname: recipe.hostname,
    rootPassword: recipe.rootPassword,
    key,
    sha256,
    sizeBytes: statSync(disk).size,
    artefacts,
    partitions: layout.partitions.map((x) => ({ number: x.number, name: x.name, type: x.type, uuid: x.uuid, startSector: x.start, sectors: x.sectors })),
    packages,
    mirror: a.mirror,
    builtAt: new Date().toISOString(),
    buildSeconds: Math.round((Date.now() - a.started) / 100) / 10,
  };
  // The image lands first, the manifest last: a manifest always names a complete image.
  renameSync(disk, a.out);
  writeFileSync(`${a.manifest}.tmp`, `${JSON.stringify({ ...guest, rootfsKey: rootfsKey(recipe), recipe }, null, 2)}\n`);
  renameSync(`${a.manifest}.tmp`, a.manifest);
  handOver(a.out, a.manifest);
  step(`done in ${guest.buildSeconds} s: ${a.out}`);
  return Object.freeze(guest);
}
