import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, streamGuarded } from '../core/index.ts';

// A fingerprint is what made a boot the boot it was: the kernel, initrd and disks by
// content, the command line, memory, CPUs and accelerator. Diffing the failed boot's
// fingerprint against the last good one answers "what changed?", which is the strongest
// single clue an operator uses, and lets heal/ revert exactly what changed.

const ArtefactSchema = z.object({ path: z.string(), sha256: z.string().nullable() });

export const FingerprintSchema = z.object({
  id: z.string(),
  kernel: ArtefactSchema.optional(),
  initrd: ArtefactSchema.optional(),
  cmdline: z.string(),
  memoryMiB: z.number(),
  cpus: z.number(),
  accel: z.string(),
  firmware: z.string().optional(),
  /** sha256 null: the file is missing; absent: not hashed (large disks may be skipped). */
  disks: z.array(z.object({ path: z.string(), format: z.string(), sha256: z.string().nullable().optional() })),
});

/** The configuration of one boot, by content; `id` is the SHA-256 of the rest in canonical JSON. */
export type Fingerprint = z.infer<typeof FingerprintSchema>;

/** A boot's configuration with resolved paths, as the supervisor launched it. */
export type FingerprintInput = Readonly<{
  kernel?: string;
  initrd?: string;
  cmdline: string;
  memoryMiB: number;
  cpus: number;
  accel: string;
  firmware?: string;
  disks: readonly { path: string; format: string }[];
}>;

const ChangeSchemas = {
  /** changed: other bytes or another path; missing: the file is gone; removed: the configuration no longer names one. */
  kernel: z.enum(['same', 'changed', 'missing', 'removed']),
  initrd: z.enum(['same', 'changed', 'missing', 'removed']),
  /** changed-root: a parameter that decides what the kernel mounts or runs (root=, init=, ...); changed-other: anything else. */
  cmdline: z.enum(['same', 'changed-root', 'changed-other']),
  memory: z.enum(['same', 'decreased', 'increased']),
  cpus: z.enum(['same', 'changed']),
  disks: z.enum(['same', 'content-changed', 'removed', 'missing', 'added']),
  accel: z.enum(['same', 'changed']),
};

export const FingerprintDiffSchema = z.object({
  ...ChangeSchemas,
  /** Each changed field with its value before (last good) and now. */
  details: z.array(z.object({ field: z.string(), before: z.string(), after: z.string() })),
});

/** What changed between the last good boot and this one, field by field. */
export type FingerprintDiff = z.infer<typeof FingerprintDiffSchema>;

/** SHA-256 of a file's bytes (streamed), or null when it does not exist or cannot be read. */
export async function hashFile(path: string): Promise<string | null> {
  const h = createHash('sha256');
  try {
    // Guarded: a FIFO or a device in the place of a kernel is "cannot be read", not a hang.
    for await (const chunk of streamGuarded(path, { what: 'file' })) h.update(chunk as Buffer);
  } catch {
    return null;
  }
  return h.digest('hex');
}

/** Builds a fingerprint from already known checksums (pure). */
export function fingerprintOf(fields: Omit<Fingerprint, 'id'>): Fingerprint {
  const id = createHash('sha256').update(canonicalJson(fields)).digest('hex');
  return { id, ...fields };
}

/**
 * Fingerprints a boot configuration, hashing its kernel and initrd, and its disks when
 * `hashDisks` is true (off by default: hashing a large disk before every boot is slow).
 * @example
 * const fp = await computeFingerprint({ kernel, initrd, cmdline, memoryMiB: 256, cpus: 1, accel: 'tcg', disks: [] });
 */
export async function computeFingerprint(input: FingerprintInput, opts: { hashDisks?: boolean } = {}): Promise<Fingerprint> {
  const art = async (p: string | undefined) => (p === undefined ? undefined : { path: p, sha256: await hashFile(p) });
  const kernel = await art(input.kernel);
  const initrd = await art(input.initrd);
  const disks = [];
  for (const d of input.disks) {
    disks.push(opts.hashDisks === true ? { path: d.path, format: d.format, sha256: await hashFile(d.path) } : { path: d.path, format: d.format });
  }
  return fingerprintOf({
    ...(kernel !== undefined ? { kernel } : {}),
    ...(initrd !== undefined ? { initrd } : {}),
    cmdline: input.cmdline,
    memoryMiB: input.memoryMiB,
    cpus: input.cpus,
    accel: input.accel,
    ...(input.firmware !== undefined ? { firmware: input.firmware } : {}),
    disks,
  });
}

type Art = Fingerprint['kernel'];
const showArt = (a: Art) => (a === undefined ? '(none)' : `${a.path}${a.sha256 === null ? ' (missing)' : `@${a.sha256.slice(0, 12)}`}`);

function artefactChange(before: Art, after: Art): 'same' | 'changed' | 'missing' | 'removed' {
  if (after !== undefined && after.sha256 === null) return 'missing';
  if (before === undefined && after === undefined) return 'same';
  if (after === undefined) return 'removed';
  if (before === undefined) return 'changed';
  return before.path === after.path && before.sha256 === after.sha256 ? 'same' : 'changed';
}

function diskChange(before: Fingerprint['disks'], after: Fingerprint['disks']): FingerprintDiff['disks'] {
  // Worst first: a missing file beats a detached disk beats changed bytes.
  if (after.some((d) => d.sha256 === null)) return 'missing';
  const now = new Map(after.map((d) => [d.path, d]));
  if (before.some((d) => !now.has(d.path))) return 'removed';
  const then = new Map(before.map((d) => [d.path, d]));
  for (const d of after) {
    const b = then.get(d.path);
    if (b === undefined) continue;
    if (b.format !== d.format) return 'content-changed';
    // Only compare contents when both sides were hashed.
    if (typeof b.sha256 === 'string' && typeof d.sha256 === 'string' && b.sha256 !== d.sha256) return 'content-changed';
  }
  if (after.some((d) => !then.has(d.path))) return 'added';
  return 'same';
}

// Parameters that decide which root the kernel mounts and which init it runs
// (Documentation/admin-guide/kernel-parameters.txt; dracut.cmdline(7); initramfs-tools(7)).
// A change to one of them is a prime suspect; a change to anything else (console=,
// quiet, a debugging switch) says little about why a boot failed.
const ROOT_PARAMS = new Set(['root', 'init', 'rdinit', 'rootfstype', 'rootflags', 'rootwait', 'rootdelay', 'nfsroot', 'ro', 'rw', 'resume', 'break', 'rd.break', 'rd.shell', 'rd.root', 'systemd.unit', 'modprobe.blacklist']);

/** Parameters of a kernel command line as name → value (the last occurrence wins, as in the kernel). */
function cmdlineParams(cmdline: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const w of cmdline.split(/\s+/).filter((x) => x !== '')) {
    const i = w.indexOf('=');
    m.set(i < 0 ? w : w.slice(0, i), i < 0 ? '' : w.slice(i + 1));
  }
  return m;
}

/** How a command line changed: not at all, in a root/init parameter, or only elsewhere. */
export function cmdlineChange(before: string, after: string): FingerprintDiff['cmdline'] {
  if (before === after) return 'same';
  const a = cmdlineParams(before);
  const b = cmdlineParams(after);
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    if (ROOT_PARAMS.has(k) && a.get(k) !== b.get(k)) return 'changed-root';
  }
  return 'changed-other';
}

/** Compares the last good boot's fingerprint with the failed boot's. */
export function diffFingerprints(lastGood: Fingerprint, current: Fingerprint): FingerprintDiff {
  const details: FingerprintDiff['details'] = [];
  const note = (field: string, before: string, after: string) => {
    if (before !== after) details.push({ field, before, after });
  };
  const kernel = artefactChange(lastGood.kernel, current.kernel);
  const initrd = artefactChange(lastGood.initrd, current.initrd);
  if (kernel !== 'same') note('kernel', showArt(lastGood.kernel), showArt(current.kernel));
  if (initrd !== 'same') note('initrd', showArt(lastGood.initrd), showArt(current.initrd));
  note('cmdline', lastGood.cmdline, current.cmdline);
  note('memoryMiB', String(lastGood.memoryMiB), String(current.memoryMiB));
  note('cpus', String(lastGood.cpus), String(current.cpus));
  note('accel', lastGood.accel, current.accel);
  // Firmware is evidence only: no remedy changes it through the diff (revert-config restores
  // the whole last good spec). A fingerprint from before firmware was recorded says nothing.
  if (lastGood.firmware !== undefined && current.firmware !== undefined) note('firmware', lastGood.firmware, current.firmware);
  const disks = diskChange(lastGood.disks, current.disks);
  const showDisks = (ds: Fingerprint['disks']) => ds.map((d) => `${d.path}${d.sha256 === null ? ' (missing)' : typeof d.sha256 === 'string' ? `@${d.sha256.slice(0, 12)}` : ''}`).join(', ') || '(none)';
  if (disks !== 'same') note('disks', showDisks(lastGood.disks), showDisks(current.disks));
  return {
    kernel,
    initrd,
    cmdline: cmdlineChange(lastGood.cmdline, current.cmdline),
    memory: current.memoryMiB < lastGood.memoryMiB ? 'decreased' : current.memoryMiB > lastGood.memoryMiB ? 'increased' : 'same',
    cpus: lastGood.cpus === current.cpus ? 'same' : 'changed',
    disks,
    accel: lastGood.accel === current.accel ? 'same' : 'changed',
    details,
  };
}
