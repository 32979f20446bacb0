import { z } from 'zod';
import { BOOT_PHASES } from '../core/index.ts';
import { FingerprintDiffSchema } from './fingerprint.ts';
import { diagnoseErrors } from './errors.ts';

// Evidence is everything known about one failed boot. Every field but `findings`,
// `phase` and `status` is optional: what is absent is simply not observed, and exact
// inference marginalises it out (it neither helps nor hurts any cause).

// 'none' before the chain: the guest printed nothing at all.
const PHASES = ['none', ...BOOT_PHASES] as const;

/**
 * The layers of a disk's boot chain, bottom up, as the evidence names the lowest one with a
 * problem: the container (qcow2), the partition table (and the ESP's file system), the boot
 * loader and its configuration, the kernel, the initrd, the root device grub.cfg names, the
 * root file system, fstab. `clean`: inspection found no problem.
 */
export const IMAGE_LAYERS = ['clean', 'container', 'partition-table', 'bootloader', 'kernel', 'initrd', 'root-device', 'rootfs', 'fstab'] as const;
export type ImageLayer = (typeof IMAGE_LAYERS)[number];

/** The part of a signatures/ Finding that diagnosis reads (a Finding is assignable to it). */
export const FindingLikeSchema = z.object({
  id: z.string().optional(),
  family: z.string(),
  title: z.string(),
  layer: z.string().optional(),
  component: z.string().optional(),
  severity: z.enum(['info', 'warning', 'error', 'fatal']),
  phase: z.string().optional(),
  stopsBoot: z.boolean().optional(),
  evidence: z.array(z.object({ line: z.number(), text: z.string() })).optional(),
});

/** Host state at detection time (see readHostState). */
export const HostStateSchema = z.object({
  memAvailableMiB: z.number().nonnegative(),
  memTotalMiB: z.number().positive(),
  load1: z.number().nonnegative(),
  cpus: z.number().int().positive(),
  diskFreeMiB: z.number().nonnegative(),
  diskTotalMiB: z.number().positive(),
});

export const EvidenceSchema = z.object({
  /** Findings of the failed boot (signatures/ Finding or a structural subset). */
  findings: z.array(FindingLikeSchema),
  /** Furthest phase reached; 'none' when the guest printed nothing at all. */
  phase: z.enum(PHASES),
  status: z.enum(['failed', 'stalled']),
  /** The accelerator the boot ran on. */
  accel: z.enum(['kvm', 'tcg']).optional(),
  /** The VM's memory for this boot. */
  memoryMiB: z.number().positive().optional(),
  /** QEMU's process: still running when the verdict came, or how it exited. */
  qemu: z
    .object({
      running: z.boolean(),
      exitCode: z.number().int().nullable().optional(),
      signal: z.string().nullable().optional(),
      /** QEMU's stderr (tail) and/or the supervisor's one-line reason for the exit. */
      stderr: z.string().optional(),
      /** True when bootmedic itself killed QEMU (stall verdict), so the exit is not QEMU's doing. */
      killedByUs: z.boolean().optional(),
    })
    .optional(),
  /** QMP events seen during the boot, by name with their count (RESET: 4, GUEST_PANICKED: 1). */
  qmp: z.record(z.string(), z.number().int().nonnegative()).optional(),
  /** What changed since the last good boot; absent when no good boot is known. */
  changes: FingerprintDiffSchema.optional(),
  /**
   * Integrity checks of the disks: `qemu-img check` verdict of the worst disk, and for a VM
   * that boots its own disk the lowest layer of the boot chain image/'s inspection found a
   * problem in (`clean` when none).
   */
  integrity: z.object({ diskCheck: z.enum(['ok', 'leaks', 'corrupt', 'unreadable']).optional(), imageCheck: z.enum(IMAGE_LAYERS).optional() }).optional(),
  host: HostStateSchema.optional(),
  history: z
    .object({
      /** Other VMs using the same image whose latest boot failed. */
      sameImageFailingVms: z.number().int().nonnegative().optional(),
      /** Other VMs on this host whose latest boot failed (in the recent window). */
      hostFailingVms: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /** Plain retries of the unchanged configuration and how they ended. */
  retries: z.array(z.enum(['ready', 'failed-same', 'failed-other'])).optional(),
});

/** Everything known about one failed boot; see docs/diagnose.md. */
export type Evidence = z.input<typeof EvidenceSchema>;
/** The subset of a signatures/ Finding that diagnosis reads. */
export type FindingLike = z.input<typeof FindingLikeSchema>;
/** Free memory, load and disk space of the host. */
export type HostState = z.infer<typeof HostStateSchema>;
/** A phase as evidence: the boot phases plus 'none' (nothing printed). */
export type EvidencePhase = (typeof PHASES)[number];

/** Validates evidence from outside (a JSON file, a stored record); throws DIAGNOSE_BAD_EVIDENCE naming the field. */
export function parseEvidence(input: unknown, where: string): Evidence {
  const r = EvidenceSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw diagnoseErrors.make('DIAGNOSE_BAD_EVIDENCE', `${where}: ${i.path.join('.') || '(top level)'}: ${i.message}`);
  }
  return r.data;
}
