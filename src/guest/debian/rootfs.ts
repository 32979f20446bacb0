// Stage 1 and 2 of the Debian guest: debootstrap into the cache (slow, keyed by the
// package list), then a customised copy for one image (fast): fstab, hostname, serial
// getty, root password and an initramfs that knows the root is ext4.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { debianErrors } from './errors.ts';
import { runTool } from '../../core/index.ts';
import { BUILD_ENV } from './build-env.ts';
import { rootfsInputs, rootfsKey, type DebianRecipe } from './recipe.ts';

/** A step reporter: one short human line per step. */
export type Step = (step: string) => void;

/** The cached debootstrap result. */
export type CachedRootfs = { dir: string; key: string; mirror: string };

/** Lists mount points at or under `dir` (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  let info = '';
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  // mountinfo field 5 is the mount point, with spaces etc. octal-escaped.
  const points = info.split('\n').flatMap((l) => {
    const p = l.split(' ')[4];
    return p === undefined ? [] : [p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)))];
  });
  return points.filter((p) => p === dir || p.startsWith(`${dir}/`));
}

/**
 * Unmounts what an interrupted debootstrap or chroot left mounted under `dir` (its own
 * /proc, /sys, /dev binds; deepest first, lazily), then deletes `dir`. Anything that
 * stays mounted makes it refuse with GUEST_DEBIAN_MOUNTS_LEFT rather than delete through it.
 */
export async function unmountAndRemove(dir: string): Promise<void> {
  for (const m of mountsUnder(dir).sort((a, b) => b.length - a.length)) {
    try {
      await runTool('umount', ['-l', m], { env: BUILD_ENV });
    } catch {
      // removeTree below reports what is still mounted.
    }
  }
  removeTree(dir);
}

/** Removes `<base>.tmp-<pid>` work directories whose builder process is gone. */
export async function removeStaleTemps(base: string): Promise<void> {
  const parent = dirname(base);
  if (!existsSync(parent)) return;
  const prefix = `${basename(base)}.tmp-`;
  for (const f of readdirSync(parent)) {
    if (!f.startsWith(prefix)) continue;
    const pid = Number(f.slice(prefix.length));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (!alive || pid === process.pid) await unmountAndRemove(join(parent, f));
  }
}

/** Deletes a work directory, refusing (with the list) when something is still mounted in it. */
export function removeTree(dir: string): void {
  const left = mountsUnder(dir);
  if (left.length > 0) {
    throw debianErrors.make('GUEST_DEBIAN_MOUNTS_LEFT', `${dir} still has mounts: ${left.join(', ')}`, { details: { mounts: left } });
  }
  rmSync(dir, { recursive: true, force: true });
}

/** The Debian mirror apt on this host uses for the suite (deb822 or one-line sources), else the recipe's default. */
export function hostMirror(recipe: DebianRecipe, etcApt = '/etc/apt'): string {
  const texts: string[] = [];
  const dir = join(etcApt, 'sources.list.d');
  if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (f.endsWith('.sources') || f.endsWith('.list')) texts.push(readFileSync(join(dir, f), 'utf8'));
  if (existsSync(join(etcApt, 'sources.list'))) texts.push(readFileSync(join(etcApt, 'sources.list'), 'utf8'));
  for (const t of texts) {
    // deb822 stanzas: URIs + Suites fields.
    for (const stanza of t.split(/\n\s*\n/)) {
      const uris = /^URIs:\s*(\S+)/im.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/im.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      if (uris && suites.includes(recipe.suite) && /^Types:.*\bdeb\b/im.test(stanza)) return uris.replace(/\/+$/, '');
    }
    // One-line style: deb [opts] URI suite components.
    for (const line of t.split('\n')) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
      if (m?.[1] && m[2] === recipe.suite) return m[1].replace(/\/+$/, '');
    }
  }
  return recipe.defaultMirror;
}

/** Returns the cached debootstrap tree for the recipe's package list, running debootstrap when absent. */
export async function ensureRootfs(guestsDir: string, recipe: DebianRecipe, step: Step, signal?: AbortSignal): Promise<CachedRootfs> {
  const key = rootfsKey(recipe);
  const dir = join(guestsDir, 'debian', `rootfs-${key}`);
  const marker = `${dir}.json`;
  const mirror = hostMirror(recipe);
  if (existsSync(marker) && existsSync(dir)) {
    step(`debootstrap: cached (${dir})`);
    return { dir, key, mirror };
  }
  if (process.getuid?.() !== 0) throw debianErrors.make('GUEST_DEBIAN_NEEDS_ROOT', 'debootstrap needs root to build the Debian tree');
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  await removeStaleTemps(dir);
  removeTree(dir);
  step(`debootstrap ${recipe.suite} (${recipe.variant}, ${recipe.include.length} extra packages) from ${mirror}; this takes a few minutes`);
  const started = Date.now();
  let last = 0;
  try {
    await runTool(
      'debootstrap',
      [`--variant=${recipe.variant}`, `--arch=${recipe.arch}`, `--components=${recipe.components.join(',')}`, `--include=${[...recipe.include].sort().join(',')}`, recipe.suite, tmp, mirror],
      {
        env: BUILD_ENV,
        ...(signal ? { signal } : {}),
        onLine: (l) => {
          // debootstrap prints one `I: Retrieving/Unpacking/Configuring x` per package; pass
          // along at most one every 5 s so the display moves without flooding a log.
          const m = /^I: (Retrieving|Validating|Extracting|Unpacking|Configuring|Installing) (.*)$/.exec(l);
          if (m && Date.now() - last > 5000) {
            last = Date.now();
            step(`debootstrap: ${m[1]?.toLowerCase()} ${(m[2]?.split(' ')[0] ?? '').replace(/\.+$/, '')} (${Math.round((Date.now() - started) / 1000)} s)`);
          }
        },
      },
    );
    // The downloaded .debs are ~100 MB the image does not need (apt-get clean).
    const archives = join(tmp, 'var/cache/apt/archives');
    if (existsSync(archives)) for (const f of readdirSync(archives)) if (f.endsWith('.deb')) unlinkSync(join(archives, f));
    renameSync(tmp, dir);
  } catch (e) {
    await unmountAndRemove(tmp);
    throw e;
  }
  writeFileSync(marker, `${JSON.stringify({ key, inputs: rootfsInputs(recipe), mirror, seconds: Math.round((Date.now() - started) / 1000), builtAt: new Date().toISOString() }, null, 2)}\n`);
  step(`debootstrap: done in ${Math.round((Date.now() - started) / 1000)} s`);
  return { dir, key, mirror };
}

/** The single kernel version installed in a tree (from /boot/vmlinuz-<ver>). */
export function kernelVersionOf(root: string): string {
  const vers = readdirSync(join(root, 'boot'))
    .flatMap((f) => (/^vmlinuz-(.+)$/.exec(f)?.[1] ? [f.slice('vmlinuz-'.length)] : []))
    .sort();
  const v = vers.at(-1);
  if (v === undefined) throw debianErrors.make('GUEST_DEBIAN_BAD_ROOTFS', `${root}/boot holds no vmlinuz-*`);
  return v;
}

/** Identities the customised tree is written for. */
export type RootfsIds = { rootUuid: string; espVolumeId: string };

/** Copies the cached tree to `dest` and customises it for one image; returns the kernel version. */
export async function customiseRootfs(src: string, dest: string, recipe: DebianRecipe, ids: RootfsIds, step: Step, signal?: AbortSignal): Promise<string> {
  const sig = { env: BUILD_ENV, ...(signal ? { signal } : {}) };
  step('copy the debootstrap tree');
  await runTool('cp', ['-a', '--reflink=auto', `${src}/.`, dest], sig);
  const w = (rel: string, text: string, mode = 0o644): void => {
    mkdirSync(dirname(join(dest, rel)), { recursive: true });
    writeFileSync(join(dest, rel), text, { mode });
  };
  step('write fstab, hostname, serial getty and initramfs config');
  const esp = `${ids.espVolumeId.slice(0, 4)}-${ids.espVolumeId.slice(4)}`;
  w('etc/fstab', `# Written by bootmedic: root ext4 and the EFI system partition, both by UUID.\nUUID=${ids.rootUuid} / ext4 errors=remount-ro 0 1\nUUID=${esp} /boot/efi vfat umask=0077 0 1\n`);
  mkdirSync(join(dest, 'boot/efi'), { recursive: true });
  w('etc/hostname', `${recipe.hostname}\n`);
  w('etc/hosts', `127.0.0.1\tlocalhost\n127.0.1.1\t${recipe.hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
  // The login prompt on ttyS0 is the ready signal; the generator would add it for
  // console=ttyS0 anyway, the explicit link keeps it when the command line changes.
  const wants = join(dest, 'etc/systemd/system/getty.target.wants');
  mkdirSync(wants, { recursive: true });
  const link = join(wants, 'serial-getty@ttyS0.service');
  if (!existsSync(link)) symlinkSync('/lib/systemd/system/serial-getty@.service', link);
  // FSTYPE=ext4 makes initramfs-tools copy fsck.ext4 in (with FSTYPE=auto it detects the
  // host's root in a chroot, and the fsck hook finds nothing to add).
  w('etc/initramfs-tools/conf.d/bootmedic', `${Object.entries(recipe.initramfsConf).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  step('set the root password');
  await runTool('chroot', [dest, 'chpasswd'], { ...sig, input: `root:${recipe.rootPassword}\n` });
  const ver = kernelVersionOf(dest);
  step(`update-initramfs for ${ver} (about half a minute)`);
  await runTool('chroot', [dest, 'update-initramfs', '-u', '-k', ver], sig);
  const lefts = mountsUnder(dest);
  if (lefts.length > 0) throw debianErrors.make('GUEST_DEBIAN_MOUNTS_LEFT', `${dest} has mounts after chroot: ${lefts.join(', ')}`);
  return ver;
}
