import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseVmSpec, type AppConfig, type VmSpec } from '../config/index.ts';
import { writeFileAtomic } from '../core/index.ts';
import { computeFingerprint, FingerprintSchema, type Fingerprint } from '../diagnose/index.ts';
import { resolveGuest } from '../guest/index.ts';
import { recoveryErrors } from './errors.ts';

// A VM's configuration as healing sees it: the spec, its fingerprint (what diagnose/
// compares), and the last good one kept per VM in <home>/vms/<vm>/last-good.json so that
// "what changed since the last good boot" and "revert to the last good configuration"
// survive a restart of bootmedic.

/** The spec as a plain object (no sourcePath), ready to change and validate again. */
export function plainSpec(spec: VmSpec): Record<string, unknown> {
  const { sourcePath: _drop, ...rest } = spec;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

/** Validates a changed plain spec; paths are absolute already. */
export function specFrom(obj: Record<string, unknown>, where: string): VmSpec {
  return parseVmSpec(obj, where, '/');
}

/** Returns the spec with `words` appended to the kernel command line. */
export function withAppend(spec: VmSpec, words: string | undefined): VmSpec {
  if (words === undefined || words.trim() === '') return spec;
  const obj = plainSpec(spec);
  obj['append'] = typeof obj['append'] === 'string' && obj['append'] !== '' ? `${obj['append']} ${words}` : words;
  return specFrom(obj, `VM ${spec.name}`);
}

/** Disks small enough to hash before every boot (a drill disk is; a 20 GiB root is not). */
const HASH_DISK_LIMIT = 64 << 20;
const sizeOf = (p: string) => {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
};

/**
 * Fingerprints a VM spec as QEMU will boot it: the built-in guest's kernel, initrd and
 * command line filled in, the accelerator given (the probe's choice for 'auto').
 */
export async function fingerprintSpec(spec: VmSpec, app: AppConfig, accel: 'kvm' | 'tcg'): Promise<Fingerprint> {
  const needGuest = spec.guest !== undefined && (spec.kernel === undefined || spec.initrd === undefined || spec.cmdline === undefined);
  const guest = needGuest ? await resolveGuest(spec.guest!, app).catch(() => undefined) : undefined;
  const kernel = spec.kernel ?? guest?.kernel;
  const initrd = spec.initrd === 'none' ? undefined : (spec.initrd ?? guest?.initrd);
  const cmdline = [spec.cmdline ?? guest?.cmdline ?? '', spec.append ?? ''].join(' ').trim();
  const disks = spec.disks.length > 0 ? spec.disks.map((d) => ({ path: d.path, format: d.format })) : (guest?.disks ?? []).map((d) => ({ path: d.path, format: d.format }));
  const hashDisks = disks.every((d) => sizeOf(d.path) <= HASH_DISK_LIMIT);
  return computeFingerprint(
    { ...(kernel !== undefined ? { kernel } : {}), ...(initrd !== undefined ? { initrd } : {}), cmdline, memoryMiB: spec.memoryMiB, cpus: spec.cpus, accel, firmware: spec.firmware, disks },
    { hashDisks },
  );
}

/** The last configuration of a VM that booted to ready. */
export type LastGood = { at: string; bootId: string; spec: Record<string, unknown>; fingerprint: Fingerprint };

const lastGoodPath = (home: string, vm: string) => join(home, 'vms', vm, 'last-good.json');

/** A damaged state file is reported, never read as absent: RECOVERY_STATE_DAMAGED naming the file. */
export function stateDamaged(path: string, what: string, cause: unknown) {
  const why = cause instanceof SyntaxError ? 'not valid JSON (torn or edited)' : (cause as Error).message;
  return recoveryErrors.make('RECOVERY_STATE_DAMAGED', `${what} ${path} is damaged: ${why}`, { cause });
}

/** Reads a JSON state file: undefined when absent, RECOVERY_STATE_DAMAGED when unreadable. */
export function readStateJson(path: string, what: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw stateDamaged(path, what, e);
  }
}

/** Reads the VM's last good configuration: undefined when none is recorded, RECOVERY_STATE_DAMAGED when the file is damaged. */
export function loadLastGood(home: string, vm: string): LastGood | undefined {
  const p = lastGoodPath(home, vm);
  const raw = readStateJson(p, `VM ${vm}: last good configuration`) as LastGood | undefined;
  if (raw === undefined) return undefined;
  const fp = FingerprintSchema.safeParse(raw?.fingerprint);
  if (!fp.success || typeof raw.spec !== 'object' || raw.spec === null) throw stateDamaged(p, `VM ${vm}: last good configuration`, new Error('no spec or fingerprint in it'));
  return { ...raw, fingerprint: fp.data };
}

/** Records a configuration that booted to ready as the VM's last good one (atomically). */
export function saveLastGood(home: string, vm: string, g: LastGood): void {
  writeFileAtomic(lastGoodPath(home, vm), `${JSON.stringify(g, null, 2)}\n`);
}
