// The guest part's only door: building and locating the guests bootmedic boots itself.
// `tiny` is built here; `debian` is built by ./debian/ (its own owner) and reached only
// through its exported buildDebianGuest / resolveDebianGuest.
import { existsSync } from 'node:fs';
import type { AppConfig } from '../config/index.ts';
import { guestErrors } from './errors.ts';
import { buildTinyGuest, ensureTinyGuest } from './tiny/index.ts';
import { assertNever } from '../core/index.ts';

export { guestErrors } from './errors.ts';
export { OVMF_4M, OVMF_SECURE_BOOT } from './firmware.ts';
export { buildTinyGuest, ensureTinyGuest, resolveTinyGuest, TINY_CMDLINE, writeCpio, writeCpioGz, readCpio } from './tiny/index.ts';
export type { TinyGuest, CpioEntry } from './tiny/index.ts';

/** A built-in guest name (VmSpec.guest). */
export type GuestName = 'tiny' | 'debian';

/** What the hypervisor needs to boot a built guest: direct kernel boot and/or disk images. */
export type GuestArtifacts = Readonly<{
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  disks?: readonly { path: string; format: 'qcow2' | 'raw' }[];
  /** Paths to show the user, last line of `bootmedic guest build`. */
  paths: readonly string[];
}>;

type DebianModule = {
  buildDebianGuest?: (app: AppConfig, opts: { log?: (line: string) => void; signal?: AbortSignal; firmware?: 'bios' | 'uefi'; secureBoot?: boolean }) => Promise<unknown>;
  resolveDebianGuest?: (app: AppConfig, firmware?: 'bios' | 'uefi', variant?: { secureBoot?: boolean }) => unknown;
};

async function debianModule(): Promise<DebianModule> {
  // A computed specifier: the debian builder lives in another owner's folder and may not
  // exist in every checkout; its absence is a clear GUEST_UNAVAILABLE, not a crash.
  const spec = './debian/index.ts';
  if (!existsSync(new URL(spec, import.meta.url))) throw guestErrors.make('GUEST_UNAVAILABLE', 'the debian guest builder is not part of this checkout');
  return (await import(spec)) as DebianModule;
}

/** Normalises what the debian builder returns: a disk image path, or an object naming one. */
function debianArtifacts(r: unknown): GuestArtifacts {
  if (typeof r === 'string') return { disks: [{ path: r, format: r.endsWith('.raw') || r.endsWith('.img') ? 'raw' : 'qcow2' }], paths: [r] };
  const o = (r ?? {}) as Record<string, unknown>;
  const image = [o['image'], o['disk'], o['path']].find((x): x is string => typeof x === 'string');
  const fmt = o['format'] === 'raw' || o['format'] === 'qcow2' ? o['format'] : image?.endsWith('.qcow2') ? 'qcow2' : 'raw';
  const str = (k: string) => (typeof o[k] === 'string' ? { [k]: o[k] as string } : {});
  return {
    ...str('kernel'),
    ...str('initrd'),
    ...str('cmdline'),
    ...(image !== undefined ? { disks: [{ path: image, format: fmt }] } : {}),
    paths: [image, o['kernel'], o['initrd']].filter((x): x is string => typeof x === 'string'),
  };
}

function tinyArtifacts(g: { kernel: string; initrd: string; cmdline: string }): GuestArtifacts {
  return { kernel: g.kernel, initrd: g.initrd, cmdline: g.cmdline, paths: [g.kernel, g.initrd] };
}

/** Builds a guest into the cache (idempotent), logging progress lines. */
export async function buildGuest(name: string, app: AppConfig, opts: { log?: (line: string) => void; signal?: AbortSignal; firmware?: 'bios' | 'uefi'; secureBoot?: boolean } = {}): Promise<GuestArtifacts> {
  switch (name) {
    case 'tiny': {
      const { firmware: _unused, secureBoot: _unusedToo, ...rest } = opts;
      return tinyArtifacts(await buildTinyGuest(app, rest));
    }
    case 'debian': {
      const m = await debianModule();
      if (!m.buildDebianGuest) throw guestErrors.make('GUEST_UNAVAILABLE', 'the debian guest builder exports no buildDebianGuest');
      return debianArtifacts(await m.buildDebianGuest(app, opts));
    }
    default:
      throw guestErrors.make('GUEST_UNKNOWN', `unknown guest '${name}'`);
  }
}

/** Locates an already built guest without building (GUEST_NOT_BUILT when absent); `firmware` and `secureBoot` pick the debian image variant. */
export async function resolveGuest(name: GuestName, app: AppConfig, opts: { firmware?: 'bios' | 'uefi'; secureBoot?: boolean } = {}): Promise<GuestArtifacts> {
  switch (name) {
    case 'tiny':
      return tinyArtifacts(await ensureTinyGuest(app));
    case 'debian': {
      const m = await debianModule();
      if (!m.resolveDebianGuest) throw guestErrors.make('GUEST_UNAVAILABLE', 'the debian guest builder exports no resolveDebianGuest');
      const sb = opts.secureBoot === true;
      const g = await m.resolveDebianGuest(app, opts.firmware ?? 'uefi', sb ? { secureBoot: true } : {});
      if (g === undefined || g === null) throw guestErrors.make('GUEST_NOT_BUILT', `the debian guest (${opts.firmware ?? 'uefi'}${sb ? ', Secure Boot' : ''}) is not built in ${app.cache}`, { fix: `Run 'bootmedic guest build debian${sb ? ' --secure-boot' : opts.firmware === 'bios' ? ' --firmware bios' : ''}' first.` });
      return debianArtifacts(g);
    }
    default:
      assertNever(name, 'guest');
  }
}
