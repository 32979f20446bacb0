import type { VmSpec } from '../config/index.ts';
import type { BootOutcome, SuperviseOptions, SupervisorEvent, VmLock } from '../supervisor/index.ts';
import { plainSpec, specFrom } from './vm-config.ts';

// What a remedy does to a VM, as a value: a remedy handler (remedy-handlers.ts) returns one
// and a backend carries it out. The QEMU backend (qemu-backend.ts) is the first; another
// hypervisor needs only its own `VmBackend`.

/** Fields of a VM's configuration to set (`set`) and to drop (`unset`). */
export type SpecPatch = Readonly<{ set: Readonly<Record<string, unknown>>; unset: readonly string[] }>;

/** One file copied back from its golden source. */
export type GoldenFile = Readonly<{ path: string; from: string }>;

/** A typed change to a VM. */
export type VmChange =
  /** Nothing to change: the next boot is the remedy (retry). */
  | { type: 'none'; why: string }
  /** A change to the VM's configuration (memory, accelerator, kernel, revert to last good, stall budget). */
  | { type: 'spec-patch'; patch: SpecPatch; note?: string }
  /** Every listed disk goes back to its internal snapshot. */
  | { type: 'snapshot-rollback'; disks: readonly string[]; snapshot: string }
  /** Files (disks, kernel, initrd) are copied back from their golden sources. */
  | { type: 'restore-golden'; files: readonly GoldenFile[] }
  /** An image/ repair (by repair or alias name) runs on one disk. */
  | { type: 'image-repair'; disk: string; repair: string; from: string | undefined; snapshotDir: string };

/** A handler's answer when the remedy cannot be carried out on this VM; the target raises it as a recovery error. */
export type Refusal = Readonly<{ type: 'refused'; code: 'RECOVERY_NO_LAST_GOOD' | 'RECOVERY_NO_GOLDEN' | 'RECOVERY_UNSUPPORTED' | 'RECOVERY_NO_MEMORY'; message: string }>;

/** The spec with a patch applied, validated again (`where` names it in an error). */
export function patchSpec(spec: VmSpec, patch: SpecPatch, where: string): VmSpec {
  const obj = plainSpec(spec);
  for (const k of patch.unset) delete obj[k];
  Object.assign(obj, patch.set);
  return specFrom(obj, where);
}

/** What a verification boot needs from the heal target. */
export type BootRequest = Readonly<{
  lock: VmLock;
  mode: 'once' | 'watch';
  signal?: AbortSignal;
  onEvent?: (e: SupervisorEvent) => void;
  onConsoleLine?: SuperviseOptions['onConsoleLine'];
  learnFrom?: string;
}>;

/** A boot under way: its first verdict, and in 'watch' mode the supervision that goes on. */
export type BootRun = Readonly<{ first: Promise<BootOutcome>; background?: Promise<BootOutcome[]> }>;

/**
 * The port a hypervisor implements for healing: carry out a change and boot. The heal target
 * (context, handlers, state files, lock, forensics, hand-over) is shared by every backend.
 */
export type VmBackend = Readonly<{
  /** Carries out `change` on the VM described by `spec`; returns its configuration afterwards. */
  apply(change: VmChange, spec: VmSpec): Promise<VmSpec>;
  /** Boots `spec` once under supervision; a launch that never started throws a BootmedicError. */
  boot(spec: VmSpec, req: BootRequest): BootRun;
  /** Marks the disks' state after a good boot so `snapshot-rollback` can return to it (best effort). */
  keepGoodState(spec: VmSpec): Promise<void>;
  /** True when every disk of `spec` can roll back to the good state `keepGoodState` kept. */
  hasGoodState(spec: VmSpec): Promise<boolean>;
}>;
