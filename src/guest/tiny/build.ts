// Builds the tiny guest: Debian's kernel plus a busybox initramfs written in pure node.
// The result is content-addressed (<cache>/guests/tiny/<key>/) by the two .deb files,
// the init script and the module list, so building again is a no-op.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import type { AppConfig } from '../../config/index.ts';
import { guestErrors } from '../errors.ts';
import { writeCpioGz, type CpioEntry } from './cpio.ts';
import { fetchDeb, resolveKernelPackage, unpackDeb, unpackDir, type Log } from './debs.ts';

/** A built tiny guest: what QEMU's -kernel / -initrd / -append need. */
export type TinyGuest = Readonly<{
  kernel: string;
  initrd: string;
  /** Default kernel command line; VmSpec.append adds fault switches after it. */
  cmdline: string;
  kernelVersion: string;
  dir: string;
  /** The cached .deb files it was built from, so a changed init script can be rebuilt offline. */
  debs?: { kernel: string; busybox: string };
}>;

/** Bumped when the initramfs layout changes, so old builds are not reused. */
const LAYOUT = 1;
/** The console is the first serial port; after ready the guest powers off unless told to idle. */
export const TINY_CMDLINE = 'console=ttyS0,115200 bootmedic.after=poweroff';

const ModulesSchema = z.object({ comment: z.string(), modules: z.array(z.string().regex(/^kernel\/[\w/.-]+\.ko$/)).min(1) }).strict();
const ManifestSchema = z
  .object({ kernel: z.string(), initrd: z.string(), cmdline: z.string(), kernelVersion: z.string(), dir: z.string(), debs: z.object({ kernel: z.string(), busybox: z.string() }).strict().optional() })
  .strict();

function dataFile(name: string): Buffer {
  return readFileSync(new URL(`./${name}`, import.meta.url));
}

function tinyRoot(app: AppConfig): string {
  return join(app.cache, 'guests', 'tiny');
}

/**
 * Returns the tiny guest last built into the cache, without touching the network.
 * Throws GUEST_NOT_BUILT when there is none.
 */
export function resolveTinyGuest(app: AppConfig): TinyGuest {
  const current = join(tinyRoot(app), 'current.json');
  try {
    const m = ManifestSchema.parse(JSON.parse(readFileSync(current, 'utf8')));
    if (existsSync(m.kernel) && existsSync(m.initrd)) return Object.freeze(m) as TinyGuest;
  } catch {
    // fall through: absent or unreadable means not built
  }
  throw guestErrors.make('GUEST_NOT_BUILT', `the tiny guest is not built in ${tinyRoot(app)}`);
}

/**
 * Downloads Debian's kernel and busybox-static into <cache>/debs, unpacks them into the
 * cache and writes vmlinuz + a gzip newc initramfs. Idempotent; progress goes to `log`.
 *
 * @example
 * const g = await buildTinyGuest(app, { log: (l) => process.stderr.write(l + '\n') });
 * // g.kernel, g.initrd, g.cmdline
 */
export async function buildTinyGuest(app: AppConfig, opts: { log?: Log; signal?: AbortSignal } = {}): Promise<TinyGuest> {
  const log = opts.log ?? (() => {});
  const signal = opts.signal;
  const debs = join(app.cache, 'debs');
  const kernelPkg = await resolveKernelPackage(debs, signal);
  const kernelVersion = kernelPkg.replace(/^linux-image-/, '');
  log(`kernel package ${kernelPkg}`);
  const kernelDeb = await fetchDeb(kernelPkg, debs, log, signal);
  const busyboxDeb = await fetchDeb('busybox-static', debs, log, signal);

  return buildFromDebs(app, kernelDeb, busyboxDeb, kernelVersion, log, signal);
}

/**
 * The last built tiny guest, rebuilt offline from its cached .deb files when the init
 * script or module list changed since (so an edited init.sh is never silently stale).
 */
export async function ensureTinyGuest(app: AppConfig, opts: { log?: Log; signal?: AbortSignal } = {}): Promise<TinyGuest> {
  const g = resolveTinyGuest(app);
  if (g.debs === undefined || !existsSync(g.debs.kernel) || !existsSync(g.debs.busybox)) return g;
  if (tinyKey(g.debs.kernel, g.debs.busybox) === basename(g.dir)) return g;
  return buildFromDebs(app, g.debs.kernel, g.debs.busybox, g.kernelVersion, opts.log ?? (() => {}), opts.signal);
}

function tinyInputs(): { init: Buffer; modules: string[] } {
  return { init: dataFile('init.sh'), modules: ModulesSchema.parse(JSON.parse(dataFile('modules.json').toString('utf8'))).modules };
}

function tinyKey(kernelDeb: string, busyboxDeb: string): string {
  const { init, modules } = tinyInputs();
  return createHash('sha256')
    .update(JSON.stringify({ LAYOUT, kernel: basename(kernelDeb), busybox: basename(busyboxDeb), modules, cmdline: TINY_CMDLINE }))
    .update(init)
    .digest('hex')
    .slice(0, 16);
}

async function buildFromDebs(app: AppConfig, kernelDeb: string, busyboxDeb: string, kernelVersion: string, log: Log, signal: AbortSignal | undefined): Promise<TinyGuest> {
  const { init, modules } = tinyInputs();
  const key = tinyKey(kernelDeb, busyboxDeb);
  const dir = join(tinyRoot(app), key);
  const manifestPath = join(dir, 'manifest.json');
  const guest: TinyGuest = Object.freeze({ kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.cpio.gz'), cmdline: TINY_CMDLINE, kernelVersion, dir, debs: { kernel: kernelDeb, busybox: busyboxDeb } });
  if (existsSync(manifestPath) && existsSync(guest.kernel) && existsSync(guest.initrd)) {
    log(`tiny guest ${key} already built`);
    writeCurrent(app, guest);
    return guest;
  }

  const unpacked = join(app.cache, 'unpacked');
  const kernelMembers = [`./boot/vmlinuz-${kernelVersion}`, ...modules.map((m) => `./lib/modules/${kernelVersion}/${m}`)];
  const kdir = unpackDir(unpacked, kernelDeb, kernelMembers);
  const bdir = unpackDir(unpacked, busyboxDeb, 'all');
  log(`unpacking ${basename(kernelDeb)}`);
  await unpackDeb(kernelDeb, kdir, kernelMembers, signal);
  log(`unpacking ${basename(busyboxDeb)}`);
  await unpackDeb(busyboxDeb, bdir, 'all', signal);

  const read = (p: string) => {
    try {
      return readFileSync(p);
    } catch (cause) {
      throw guestErrors.make('GUEST_UNPACK_FAILED', `unpacked package lacks ${p}`, { cause });
    }
  };
  // Order matters for the truncated-initrd fault: big binaries first and /init last, so a
  // cut archive loses /init ("Initramfs unpacking failed", then the kernel falls back to
  // mounting root= and panics) instead of running a half-unpacked busybox.
  const names = modules.map((m) => basename(m, '.ko'));
  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'etc', 'lib', 'lib/modules', 'proc', 'sys', 'tmp', 'root'].map((p): CpioEntry => ({ type: 'dir', path: p })),
    { type: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { type: 'chardev', path: 'dev/null', major: 1, minor: 3, mode: 0o666 },
    { type: 'file', path: 'bin/busybox', data: read(join(bdir, 'bin', 'busybox')), mode: 0o755 },
    { type: 'symlink', path: 'bin/sh', target: 'busybox' },
    ...modules.map((m, i): CpioEntry => ({ type: 'file', path: `lib/modules/${names[i]}.ko`, data: read(join(kdir, 'lib', 'modules', kernelVersion, m)) })),
    { type: 'file', path: 'etc/tiny-modules', data: Buffer.from(names.join('\n') + '\n') },
    { type: 'file', path: 'init', data: init, mode: 0o755 },
  ];
  log('writing initramfs (gzip newc cpio)');
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'initrd.cpio.gz'), writeCpioGz(entries));
  copyFileSync(join(kdir, 'boot', `vmlinuz-${kernelVersion}`), join(tmp, 'vmlinuz'));
  writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(guest, null, 2) + '\n');
  // Another bootmedic may have finished the same build meanwhile: keep the first, never
  // delete a build a running VM may be using.
  try {
    if (existsSync(manifestPath)) throw new Error('already built');
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(manifestPath)) throw guestErrors.make('GUEST_UNPACK_FAILED', `cannot move the built tiny guest into ${dir}`);
  }
  writeCurrent(app, guest);
  log(`tiny guest ${key} built`);
  return guest;
}

function writeCurrent(app: AppConfig, g: TinyGuest): void {
  const p = join(tinyRoot(app), 'current.json');
  const tmp = `${p}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(g, null, 2) + '\n');
  renameSync(tmp, p);
}
