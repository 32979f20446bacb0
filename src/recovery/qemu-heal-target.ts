import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { AppConfig, VmSpec } from '../config/index.ts';
import { assertNever, copyGuarded, isBootmedicError, writeFileAtomic } from '../core/index.ts';
import { diffFingerprints, type Fingerprint } from '../diagnose/index.ts';
import { resolveGuest } from '../guest/index.ts';
import type { BootResult, HandOverReport, HealTarget, Remedy, RemedyContext } from '../heal/index.ts';
import { createSnapshot, deleteSnapshot, listSnapshots, revertSnapshot } from '../hypervisor/index.ts';
import { offeredRepairs, repairImage, resolveRepairNames } from '../image/index.ts';
import { imageKeyOf, isNoVerdict, lockVm, superviseVm, type VmLock, type BootOutcome, type SupervisorDeps, type SupervisorEvent } from '../supervisor/index.ts';
import { recoveryErrors } from './errors.ts';
import { evidenceFor } from './evidence.ts';
import { keepForensics, writeHandOver } from './forensics.ts';
import { fingerprintSpec, loadLastGood, plainSpec, readStateJson, saveLastGood, specFrom, stateDamaged, withAppend } from './vm-config.ts';

// The real HealTarget: remedies act on the VM's configuration (a VmSpec this target owns
// and changes), on its disks (qemu-img snapshots, golden copies, image/ repairs) and on the
// host files it boots; verification boots go through the supervisor, so they are recorded
// in the store and the ledger like any other boot.

/** The internal qcow2 snapshot taken after a good boot and used by rollback-snapshot. */
export const LAST_GOOD_SNAPSHOT = 'bootmedic-last-good';

export type QemuHealTargetOptions = Readonly<{
  spec: VmSpec;
  app: AppConfig;
  deps: SupervisorDeps;
  /** The most memory healing may give the VM (default 2048 MiB). */
  maxMemoryMiB?: number;
  /** Golden copies of the VM's disks and files, by file name (default <home>/vms/<vm>/golden). */
  goldenDir?: string;
  /** A kernel known to have booted before this one. */
  previousKernel?: string;
  /** 'watch': verification boots keep the VM running after ready and follow reboots; see `pending`. */
  mode?: 'once' | 'watch';
  /** Learn stall budgets from this VM's good boots when this one has none. */
  learnFrom?: string;
  onEvent?: (e: SupervisorEvent) => void;
  /**
   * Drills only: words a simulated guest defect adds to the command line of boot number
   * `bootNo` (1-based). The defect lives inside the guest, so it is not part of the
   * configuration: it is not fingerprinted and no revert removes it.
   */
  simulate?: (spec: VmSpec, bootNo: number) => string | undefined;
  /**
   * Start from the configuration the remedies of an earlier process left (kept in
   * <home>/vms/<vm>/healing.json after every apply), so a resumed incident verifies the
   * remedy it applied instead of the unhealed configuration.
   */
  resume?: boolean;
}>;

/** A HealTarget over real QEMU, plus what the composition root needs around it. */
export type QemuHealTarget = HealTarget & {
  /** The VM's current configuration (after the remedies applied so far). */
  spec(): VmSpec;
  /** Boots once under supervision (recording a ready boot as the last good one). */
  boot(signal?: AbortSignal): Promise<BootOutcome>;
  /** The latest boot's outcome. */
  lastOutcome(): BootOutcome | undefined;
  /** Evidence for diagnosis of a failed boot: findings, changes since last good, disk checks, host. */
  evidence(o: BootOutcome): Promise<import('../diagnose/index.ts').Evidence>;
  /** In 'watch' mode: the supervision still following the VM after the last verdict. */
  pending(): Promise<BootOutcome[]> | undefined;
  /** Hand-over reports written so far (paths). */
  handOvers(): string[];
  /** Releases the VM's lock (taken at the first boot or remedy and held between them). */
  close(): void;
};

/** Builds the real HealTarget for one VM. */
export function createQemuHealTarget(o: QemuHealTargetOptions): QemuHealTarget {
  const { app, deps } = o;
  const vm = o.spec.name;
  const healingPath = join(deps.home, 'vms', vm, 'healing.json');
  let spec = o.spec;
  if (o.resume === true) {
    // A damaged file stops the resume with the file's name: guessing the configuration the
    // remedies left could verify (or repeat) the wrong remedy.
    const saved = readStateJson(healingPath, `VM ${vm}: healing configuration`);
    if (saved !== undefined) {
      try {
        spec = specFrom(saved as Record<string, unknown>, healingPath);
      } catch (e) {
        throw stateDamaged(healingPath, `VM ${vm}: healing configuration`, e);
      }
    }
  }
  const goldenDir = o.goldenDir ?? join(deps.home, 'vms', vm, 'golden');
  let probed: { accel: 'kvm' | 'tcg'; reason: string } | undefined;
  let last: BootOutcome | undefined;
  let bootNo = 0;
  let background: Promise<BootOutcome[]> | undefined;
  const handOvers: string[] = [];
  // The VM's lock is held from the first boot or remedy until close(): no other bootmedic
  // may boot the VM between a remedy and the boot that verifies it.
  let lock: VmLock | undefined;
  const locked = (): VmLock => (lock ??= lockVm(deps.home, vm));
  // In watch mode the previous supervision may still be stopping its QEMU: a remedy or the
  // next boot waits for it, so that one process never drives the VM twice at once.
  const settled = async () => void (await background?.catch(() => undefined));

  const accelOf = async (s: VmSpec): Promise<'kvm' | 'tcg'> => {
    if (s.accel !== 'auto') return s.accel;
    probed ??= await deps.hypervisor.probeAccel();
    return probed.accel;
  };
  const fingerprint = async (s: VmSpec): Promise<Fingerprint> => fingerprintSpec(s, app, await accelOf(s));
  const update = (change: (obj: Record<string, unknown>) => void, why: string) => {
    const obj = plainSpec(spec);
    change(obj);
    spec = specFrom(obj, `VM ${vm} (${why})`);
    writeFileAtomic(healingPath, `${JSON.stringify(plainSpec(spec), null, 2)}\n`);
  };
  const golden = (p: string) => join(goldenDir, basename(p));
  const guestFiles = async () => (spec.guest === undefined ? undefined : await resolveGuest(spec.guest, app).catch(() => undefined));
  const qcow2Disks = () => spec.disks.filter((d) => d.format === 'qcow2').map((d) => d.path);

  async function snapshotDisks(): Promise<void> {
    for (const d of qcow2Disks()) {
      try {
        if ((await listSnapshots(d)).some((s) => s.name === LAST_GOOD_SNAPSHOT)) await deleteSnapshot(d, LAST_GOOD_SNAPSHOT);
        await createSnapshot(d, LAST_GOOD_SNAPSHOT);
      } catch {
        // A disk in use (watch mode) or read-only: the previous snapshot stays the last good one.
      }
    }
  }

  async function onReady(outcome: BootOutcome, booted: VmSpec): Promise<void> {
    saveLastGood(deps.home, vm, { at: new Date().toISOString(), bootId: outcome.bootId, spec: plainSpec(booted), fingerprint: await fingerprint(booted) });
  }

  /** A launch that QEMU never started (missing kernel, unreadable disk) is a failed boot too. */
  function launchFailure(e: Error & { code?: string }, accel: 'kvm' | 'tcg'): BootOutcome {
    const bootId = `${vm}-launch-${randomBytes(3).toString('hex')}`;
    const text = `${e.code ?? 'error'}: ${e.message}`;
    return {
      bootId, vm, status: 'failed', phase: 'firmware', reason: `QEMU did not start: ${e.message}`, cause: 'qemu-exit', findings: [], timeline: [],
      accel, accelReason: 'launch failed', durationMs: 0, startedAt: new Date().toISOString(), evidence: [], qmpEvents: [],
      qemu: { pid: 0, exitCode: 1, signal: null, stderr: text }, resets: 0, stallBudget: { learnedFrom: 0, currentPhaseMs: 0 },
      runDir: '', consoleLog: '', imageKey: imageKeyOf(spec),
    };
  }

  async function boot(signal?: AbortSignal): Promise<BootOutcome> {
    locked();
    await settled();
    bootNo += 1;
    const booted = spec;
    const launchSpec = withAppend(booted, o.simulate?.(booted, bootNo));
    const opts = { lock: locked(), ...(signal ? { signal } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}), ...(o.learnFrom ? { learnFrom: o.learnFrom } : {}) };
    let outcome: BootOutcome | undefined;
    try {
      if (o.mode === 'watch') {
        // Resolve at the first verdict; the supervision goes on following the VM.
        let first!: (x: BootOutcome | undefined) => void;
        const firstOutcome = new Promise<BootOutcome | undefined>((r) => (first = r));
        background = superviseVm(launchSpec, deps, {
          mode: 'watch',
          ...opts,
          onEvent: (e) => {
            o.onEvent?.(e);
            if (e.type === 'outcome') first(e.outcome);
          },
        });
        background.then((os) => first(os[0]), () => first(undefined));
        outcome = await firstOutcome;
        if (outcome === undefined) await background; // rethrows the launch error
      } else {
        [outcome] = await superviseVm(launchSpec, deps, { mode: 'once', ...opts });
      }
    } catch (e) {
      if (!isBootmedicError(e) || signal?.aborted === true) throw e;
      outcome = launchFailure(e, await accelOf(booted));
      await deps.record?.({ type: 'boot-outcome', vm, data: { bootId: outcome.bootId, status: 'failed', phase: 'firmware', reason: outcome.reason, accel: outcome.accel, durationMs: 0, timeline: [], findings: [] } });
    }
    if (outcome === undefined) throw new Error(`boot of ${vm} ended without an outcome`);
    last = outcome;
    if (outcome.status === 'ready') {
      await onReady(outcome, booted);
      if (o.mode !== 'watch') await snapshotDisks();
    }
    return outcome;
  }

  async function context(): Promise<RemedyContext> {
    const lg = loadLastGood(deps.home, vm);
    const changed: RemedyContext['changed'][number][] = [];
    if (lg !== undefined) {
      const d = diffFingerprints(lg.fingerprint, await fingerprint(spec));
      if (d.kernel !== 'same') changed.push('kernel');
      if (d.initrd !== 'same') changed.push('initrd');
      if (d.cmdline !== 'same') changed.push('cmdline');
      if (d.memory !== 'same') changed.push('memory');
      if (d.cpus !== 'same') changed.push('cpus');
      // Which disks are attached is configuration; their bytes are not (a revert cannot fix them).
      if (d.disks === 'removed' || d.disks === 'added') changed.push('disks');
      if (d.accel !== 'same') changed.push('accel');
    }
    let hasSnapshot = qcow2Disks().length > 0;
    for (const d of qcow2Disks()) hasSnapshot &&= await listSnapshots(d).then((s) => s.some((x) => x.name === LAST_GOOD_SNAPSHOT), () => false);
    const guest = await guestFiles();
    const hasGolden = (guest?.kernel !== undefined && guest.initrd !== undefined) || spec.disks.some((d) => existsSync(golden(d.path))) || [spec.kernel, spec.initrd].some((p) => p !== undefined && p !== 'none' && existsSync(golden(p)));
    // Image repairs are offered only for a disk that holds the guest's system (boot from disk);
    // an unreadable image offers none (a restore or rollback is then the way back).
    const bootFromDisk = spec.kernel === undefined && spec.guest !== 'tiny' && spec.disks.length > 0;
    const disk0 = spec.disks[0]?.path;
    let imageRepairs: string[] = [];
    if (bootFromDisk && disk0 !== undefined) {
      try {
        imageRepairs = offeredRepairs(disk0, { from: existsSync(golden(disk0)) ? golden(disk0) : undefined });
      } catch {
        imageRepairs = [];
      }
    }
    const good = deps.store?.boots.goodBoots({ vm }) ?? [];
    const kin = good.length > 0 || o.learnFrom === undefined ? good : (deps.store?.boots.goodBoots({ vm: o.learnFrom }) ?? []);
    const secs = kin.map((b) => b.durationMs / 1000).sort((a, b) => a - b);
    return {
      accel: await accelOf(spec),
      memoryMiB: spec.memoryMiB,
      maxMemoryMiB: o.maxMemoryMiB ?? 2048,
      hasLastGood: lg !== undefined,
      changed,
      hasDisk: spec.disks.length > 0,
      bootFromDisk,
      hasSnapshot,
      hasGolden,
      hasPreviousKernel: o.previousKernel !== undefined && existsSync(o.previousKernel) && spec.kernel !== o.previousKernel,
      imageRepairs,
      cleanBootSeconds: secs.length > 0 ? secs[Math.floor(secs.length / 2)]! : 30,
      ...(last !== undefined && (last.status === 'failed' || last.status === 'stalled') ? { lastVerdict: last.status } : {}),
    };
  }

  async function restoreFile(path: string, from: string | undefined): Promise<string> {
    const src = existsSync(golden(path)) ? golden(path) : from;
    if (src === undefined || !existsSync(src)) throw recoveryErrors.make('RECOVERY_NO_GOLDEN', `no golden copy of ${path} (looked in ${goldenDir})`);
    if (src === path) return `${path} is the golden copy itself`;
    copyGuarded(src, path, { what: 'golden copy', kind: 'disk' });
    return `restored ${path} from ${src}`;
  }

  async function apply(remedy: Remedy): Promise<void> {
    locked();
    await settled();
    const a = remedy.action;
    switch (a.kind) {
      case 'retry':
        return; // the executor waits the backoff; the next boot is the retry
      case 'extend-stall-budget':
        update((x) => {
          const s = x['stall'] as Record<string, number>;
          x['stall'] = { ...s, defaultSeconds: s['defaultSeconds']! * a.factor, floorSeconds: s['floorSeconds']! * a.factor, factor: Math.min(100, s['factor']! * a.factor) };
        }, remedy.id);
        return;
      case 'set-memory':
        update((x) => (x['memoryMiB'] = Math.min(o.maxMemoryMiB ?? 2048, Math.round(spec.memoryMiB * a.factor))), remedy.id);
        return;
      case 'revert-config': {
        const lg = loadLastGood(deps.home, vm);
        if (lg === undefined) throw recoveryErrors.make('RECOVERY_NO_LAST_GOOD', `VM ${vm} has no recorded good boot`);
        // The fields a fingerprint covers, except the accelerator (switch-accel owns it).
        update((x) => {
          for (const k of ['kernel', 'initrd', 'cmdline', 'append', 'memoryMiB', 'cpus', 'disks', 'firmware']) {
            if (lg.spec[k] === undefined) delete x[k];
            else x[k] = lg.spec[k];
          }
        }, remedy.id);
        return;
      }
      case 'rollback-snapshot':
        for (const d of qcow2Disks()) await revertSnapshot(d, LAST_GOOD_SNAPSHOT);
        return;
      case 'previous-kernel':
        if (o.previousKernel === undefined) throw recoveryErrors.make('RECOVERY_UNSUPPORTED', `VM ${vm}: no previous kernel is known`);
        update((x) => (x['kernel'] = o.previousKernel), remedy.id);
        return;
      case 'switch-accel':
        update((x) => (x['accel'] = a.to), remedy.id);
        return;
      case 'image-repair':
        await imageRepair(a.repair);
        return;
      default:
        assertNever(a, 'remedy action');
    }
  }

  async function imageRepair(name: string): Promise<void> {
    const guest = await guestFiles();
    if (name === 'restore-boot-artefacts' && (spec.kernel !== undefined || spec.guest === 'tiny')) {
      // Direct kernel boot: the artefacts are host files the VM names.
      if (spec.kernel !== undefined) await restoreFile(spec.kernel, guest?.kernel);
      if (spec.initrd !== undefined && spec.initrd !== 'none') await restoreFile(spec.initrd, guest?.initrd);
      return;
    }
    if (name === 'restore-disk') {
      if (spec.disks.length === 0) throw recoveryErrors.make('RECOVERY_UNSUPPORTED', `VM ${vm} has no disk to restore`);
      for (const d of spec.disks) await restoreFile(d.path, undefined);
      return;
    }
    const disk = spec.disks[0]?.path;
    if (disk === undefined) throw recoveryErrors.make('RECOVERY_UNSUPPORTED', `VM ${vm} has no disk for repair ${name}`);
    const from = existsSync(golden(disk)) ? golden(disk) : undefined;
    const r = repairImage(disk, { only: resolveRepairNames([name]), from, snapshotDir: join(deps.home, 'forensics', vm) });
    if (!r.ok && r.repairs.length === 0) throw recoveryErrors.make('RECOVERY_UNSUPPORTED', `repair ${name} of ${disk} did nothing: ${r.unrepaired.map((u) => `${u.check}: ${u.reasons.join('; ')}`).join(', ') || 'no problem it addresses'}`);
  }

  const snapshotForForensics = (step: { incidentId: string; seq: number }) => keepForensics(deps.home, step, spec, last);
  const handOver = async (report: HandOverReport) => {
    handOvers.push(writeHandOver(deps.home, report, spec, last));
  };

  async function bootAndWait(signal?: AbortSignal): Promise<BootResult> {
    const out = await boot(signal);
    if (signal?.aborted === true || isNoVerdict(out.status)) throw new Error(`boot ${out.bootId} ended ${out.status}: ${out.reason}`);
    // A power-off the guest or the operator asked for before ready is neither fix nor failure.
    const status: BootResult['status'] = out.cause === 'guest-shutdown' && out.status !== 'ready' ? 'shutdown' : out.status;
    return { status, bootId: out.bootId, reason: out.reason, ...(status === 'failed' || status === 'stalled' ? { evidence: await evidenceFor(out, spec, deps, fingerprint) } : {}) };
  }

  return {
    context,
    apply,
    bootAndWait,
    snapshotForForensics,
    handOver,
    spec: () => spec,
    boot,
    lastOutcome: () => last,
    evidence: (out) => evidenceFor(out, spec, deps, fingerprint),
    pending: () => background,
    handOvers: () => [...handOvers],
    close() {
      lock?.release();
      lock = undefined;
    },
  };
}
