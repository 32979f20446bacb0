// The guest part's only door: building and locating the guests bootmedic boots itself
// (`tiny/` and `debian/`), and handing them to a hypervisor as a GuestSource.
import type { AppConfig } from '../config/index.ts';
import type { GuestArtifacts, GuestSource } from '../hypervisor/index.ts';
import { buildDebianGuest, resolveDebianGuest, type DebianGuest } from './debian/index.ts';
import { assertNever } from '../core/index.ts';
import { guestErrors } from './errors.ts';
import { OVMF_4M, OVMF_SECURE_BOOT } from './firmware.ts';
import { buildTinyGuest, ensureTinyGuest } from './tiny/index.ts';

export { guestErrors } from './errors.ts';
export { OVMF_4M, OVMF_SECURE_BOOT } from './firmware.ts';
export { buildTinyGuest, ensureTinyGuest, resolveTinyGuest, TINY_CMDLINE, writeCpio, writeCpioGz, readCpio } from './tiny/index.ts';
export type { TinyGuest, CpioEntry } from './tiny/index.ts';
export { buildDebianGuest, resolveDebianGuest } from './debian/index.ts';
export type { DebianGuest } from './debian/index.ts';
export type { GuestArtifacts } from '../hypervisor/index.ts';

/** A built-in guest name (VmSpec.guest). */
export type GuestName = 'tiny' | 'debian';

function debianArtifacts(g: DebianGuest): GuestArtifacts {
  return { cmdline: g.cmdline, disks: [{ path: g.image, format: g.format }], paths: [g.image] };
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
    case 'debian':
      return debianArtifacts(await buildDebianGuest(app, opts));
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
      const sb = opts.secureBoot === true;
      const g = resolveDebianGuest(app, opts.firmware ?? 'uefi', sb ? { secureBoot: true } : {});
      if (g === undefined) throw guestErrors.make('GUEST_NOT_BUILT', `the debian guest (${opts.firmware ?? 'uefi'}${sb ? ', Secure Boot' : ''}) is not built in ${app.cache}`, { fix: `Run 'bootmedic guest build debian${sb ? ' --secure-boot' : opts.firmware === 'bios' ? ' --firmware bios' : ''}' first.` });
      return debianArtifacts(g);
    }
    default:
      return assertNever(name, 'guest');
  }
}

/** This host's guests and UEFI firmware as a GuestSource: the composition root passes it to createQemuHypervisor. */
export function guestSource(app: AppConfig): GuestSource {
  return {
    firmware: { uefi: OVMF_4M, secureBoot: OVMF_SECURE_BOOT },
    async artifacts(spec) {
      if (spec.guest === undefined) throw guestErrors.make('GUEST_UNKNOWN', `VM ${spec.name} names no guest`);
      return resolveGuest(spec.guest, app, { firmware: spec.firmware, ...(spec.secureBoot ? { secureBoot: true } : {}) });
    },
  };
}
