import type { VmSpec } from '../config/index.ts';
import { assertNever, copyGuarded } from '../core/index.ts';
import { createSnapshot, deleteSnapshot, listSnapshots, revertSnapshot } from '../hypervisor/index.ts';
import { repairImage, resolveRepairNames } from '../image/index.ts';
import { superviseVm, type BootOutcome, type SupervisorDeps } from '../supervisor/index.ts';
import { recoveryErrors } from './errors.ts';
import { LAST_GOOD_SNAPSHOT } from './remedy-handlers.ts';
import { patchSpec, type BootRequest, type BootRun, type VmBackend, type VmChange } from './vm-change.ts';

// The QEMU backend of healing: a configuration change is the new VmSpec itself (the next
// launch reads it), disks change through qemu-img and image/, and boots go through the
// supervisor so they are recorded in the store and the ledger like any other boot.

const qcow2Disks = (spec: VmSpec) => spec.disks.filter((d) => d.format === 'qcow2').map((d) => d.path);

/** Builds the QEMU VmBackend over the supervisor's dependencies. */
export function createQemuBackend(deps: SupervisorDeps): VmBackend {
  async function apply(change: VmChange, spec: VmSpec): Promise<VmSpec> {
    switch (change.type) {
      case 'none':
        return spec;
      case 'spec-patch':
        return patchSpec(spec, change.patch, `VM ${spec.name}`);
      case 'snapshot-rollback':
        for (const d of change.disks) await revertSnapshot(d, change.snapshot);
        return spec;
      case 'restore-golden':
        for (const f of change.files) copyGuarded(f.from, f.path, { what: 'golden copy', kind: 'disk' });
        return spec;
      case 'image-repair': {
        const r = repairImage(change.disk, { only: resolveRepairNames([change.repair]), from: change.from, snapshotDir: change.snapshotDir });
        const why = r.unrepaired.map((u) => `${u.check}: ${u.reasons.join('; ')}`).join(', ') || 'no problem it addresses';
        if (!r.ok && r.repairs.length === 0) throw recoveryErrors.make('RECOVERY_UNSUPPORTED', `repair ${change.repair} of ${change.disk} did nothing: ${why}`);
        return spec;
      }
      default:
        return assertNever(change, 'VM change');
    }
  }

  function boot(spec: VmSpec, req: BootRequest): BootRun {
    const { mode, lock, signal, onEvent, learnFrom, onConsoleLine } = req;
    const opts = { lock, ...(signal ? { signal } : {}), ...(onEvent ? { onEvent } : {}), ...(learnFrom ? { learnFrom } : {}), ...(onConsoleLine ? { onConsoleLine } : {}) };
    if (mode === 'once') return { first: superviseVm(spec, deps, { mode: 'once', ...opts }).then(([o]) => o ?? Promise.reject(new Error(`boot of ${spec.name} ended without an outcome`))) };
    // Resolve at the first verdict; the supervision goes on following the VM.
    let resolveFirst!: (x: BootOutcome | undefined) => void;
    const firstOutcome = new Promise<BootOutcome | undefined>((r) => (resolveFirst = r));
    const background = superviseVm(spec, deps, {
      mode: 'watch',
      ...opts,
      onEvent: (e) => {
        onEvent?.(e);
        if (e.type === 'outcome') resolveFirst(e.outcome);
      },
    });
    background.then((os) => resolveFirst(os[0]), () => resolveFirst(undefined));
    const first = firstOutcome.then(async (o) => {
      if (o !== undefined) return o;
      await background; // rethrows the launch error
      throw new Error(`boot of ${spec.name} ended without an outcome`);
    });
    return { first, background };
  }

  async function keepGoodState(spec: VmSpec): Promise<void> {
    for (const d of qcow2Disks(spec)) {
      try {
        if ((await listSnapshots(d)).some((s) => s.name === LAST_GOOD_SNAPSHOT)) await deleteSnapshot(d, LAST_GOOD_SNAPSHOT);
        await createSnapshot(d, LAST_GOOD_SNAPSHOT);
      } catch {
        // A disk in use (watch mode) or read-only: the previous snapshot stays the last good one.
      }
    }
  }

  async function hasGoodState(spec: VmSpec): Promise<boolean> {
    const disks = qcow2Disks(spec);
    if (disks.length === 0) return false;
    for (const d of disks) if (!(await listSnapshots(d).then((s) => s.some((x) => x.name === LAST_GOOD_SNAPSHOT), () => false))) return false;
    return true;
  }

  return { apply, boot, keepGoodState, hasGoodState };
}
