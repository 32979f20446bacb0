import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig, VmSpec } from '../config/index.ts';
import { isBootmedicError, writeFileAtomic } from '../core/index.ts';
import { diffFingerprints, type Fingerprint } from '../diagnose/index.ts';
import { resolveGuest } from '../guest/index.ts';
import type { BootResult, HandOverReport, HealTarget, Remedy, RemedyContext } from '../heal/index.ts';
import { offeredRepairs } from '../image/index.ts';
import { imageKeyOf, isNoVerdict, lockVm, verdictAtOf, type VmLock, type BootOutcome, type SupervisorDeps, type SupervisorEvent, type SuperviseOptions } from '../supervisor/index.ts';
import { DEFAULT_HEADROOM_MIB, readHostMemory, usableMiB, type HostMemory } from '../resources/index.ts';
import { recoveryErrors } from './errors.ts';
import { evidenceFor } from './evidence.ts';
import { keepForensics, writeHandOver } from './forensics.ts';
import { createQemuBackend } from './qemu-backend.ts';
import { changeFor, goldenPathOf, type HealContext } from './remedy-handlers.ts';
import type { VmBackend } from './vm-change.ts';
import { fingerprintSpec, loadLastGood, plainSpec, readStateJson, saveLastGood, specFrom, stateDamaged, withAppend, type LastGood } from './vm-config.ts';

// The real HealTarget. A remedy is carried out in three steps: gather what the VM is now (a
// HealContext), look its action's handler up in remedy-handlers.ts (a pure function to a
// VmChange), and hand the change to a VmBackend (QEMU here). The target keeps what every
// backend shares: the VM's current configuration (persisted in healing.json after every
// change, so a resumed incident verifies what was applied), the last good one, the VM's
// lock, forensic copies and the hand-over report.

export { LAST_GOOD_SNAPSHOT } from './remedy-handlers.ts';

export type QemuHealTargetOptions = Readonly<{
  spec: VmSpec;
  app: AppConfig;
  deps: SupervisorDeps;
  /** The most memory healing may give the VM (default 2048 MiB). */
  maxMemoryMiB?: number;
  /** The host's memory as admission sees it (default: /proc/meminfo less the live guaranteed reservations under the home). */
  hostMemory?: (vm: string) => HostMemory;
  /** Golden copies of the VM's disks and files, by file name (default <home>/vms/<vm>/golden). */
  goldenDir?: string;
  /** A kernel known to have booted before this one. */
  previousKernel?: string;
  /** 'watch': verification boots keep the VM running after ready and follow reboots; see `pending`. */
  mode?: 'once' | 'watch';
  /** Learn stall budgets from this VM's good boots when this one has none. */
  learnFrom?: string;
  onEvent?: (e: SupervisorEvent) => void;
  /** Each console line of every boot it runs (a live console view). */
  onConsoleLine?: SuperviseOptions['onConsoleLine'];
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
  /** The hypervisor remedies and boots go through (default: QEMU through the supervisor). */
  backend?: VmBackend;
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

/** A launch that QEMU never started (missing kernel, unreadable disk) is a failed boot too. */
function launchFailure(spec: VmSpec, e: Error & { code?: string }, accel: 'kvm' | 'tcg'): BootOutcome {
  const vm = spec.name;
  const bootId = `${vm}-launch-${randomBytes(3).toString('hex')}`;
  const text = `${e.code ?? 'error'}: ${e.message}`;
  return {
    bootId, vm, status: 'failed', phase: 'firmware', reason: `QEMU did not start: ${e.message}`, cause: 'qemu-exit', findings: [], timeline: [],
    accel, accelReason: 'launch failed', durationMs: 0, startedAt: new Date().toISOString(), evidence: [], qmpEvents: [],
    qemu: { pid: 0, exitCode: 1, signal: null, stderr: text }, resets: 0, stallBudget: { learnedFrom: 0, currentPhaseMs: 0 },
    runDir: '', consoleLog: '', imageKey: imageKeyOf(spec),
  };
}

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
  const backend = o.backend ?? createQemuBackend(deps);
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
  const golden = (p: string) => goldenPathOf(goldenDir, p);
  const guestFiles = async () => (spec.guest === undefined ? undefined : await resolveGuest(spec.guest, app).catch(() => undefined));

  async function boot(signal?: AbortSignal): Promise<BootOutcome> {
    locked();
    await settled();
    bootNo += 1;
    const booted = spec;
    const launchSpec = withAppend(booted, o.simulate?.(booted, bootNo));
    let outcome: BootOutcome;
    try {
      const run = backend.boot(launchSpec, { lock: locked(), mode: o.mode ?? 'once', ...(signal ? { signal } : {}), ...(o.onEvent ? { onEvent: o.onEvent } : {}), ...(o.onConsoleLine ? { onConsoleLine: o.onConsoleLine } : {}), ...(o.learnFrom ? { learnFrom: o.learnFrom } : {}) });
      if (run.background !== undefined) background = run.background;
      outcome = await run.first;
    } catch (e) {
      if (!isBootmedicError(e) || signal?.aborted === true) throw e;
      outcome = launchFailure(booted, e, await accelOf(booted));
      await deps.record?.({ type: 'boot-outcome', vm, data: { bootId: outcome.bootId, status: 'failed', phase: 'firmware', reason: outcome.reason, accel: outcome.accel, durationMs: 0, timeline: [], findings: [] } });
    }
    last = outcome;
    if (outcome.status === 'ready') {
      saveLastGood(deps.home, vm, { at: new Date().toISOString(), bootId: outcome.bootId, spec: plainSpec(booted), fingerprint: await fingerprint(booted) });
      if (o.mode !== 'watch') await backend.keepGoodState(booted);
    }
    return outcome;
  }

  /** What changed since the last good boot, as remedy preconditions name it. */
  async function changedSince(lg: Fingerprint): Promise<RemedyContext['changed'][number][]> {
    const d = diffFingerprints(lg, await fingerprint(spec));
    const changed: RemedyContext['changed'][number][] = [];
    for (const k of ['kernel', 'initrd', 'cmdline', 'memory', 'cpus'] as const) if (d[k] !== 'same') changed.push(k);
    // Which disks are attached is configuration; their bytes are not (a revert cannot fix them).
    if (d.disks === 'removed' || d.disks === 'added') changed.push('disks');
    if (d.accel !== 'same') changed.push('accel');
    return changed;
  }

  async function context(): Promise<RemedyContext> {
    const lg = loadLastGood(deps.home, vm);
    const guest = await guestFiles();
    const heal = healContext(lg, guest);
    // A built guest's kernel and initrd are golden copies of its boot files, whatever the spec names.
    const ownGolden = [...spec.disks.map((d) => d.path), spec.kernel, spec.initrd].some((p) => p !== undefined && p !== 'none' && existsSync(golden(p)));
    const hasGolden = (guest?.kernel !== undefined && guest.initrd !== undefined) || ownGolden;
    // Image repairs are offered only for a disk that holds the guest's system (boot from disk);
    // an unreadable image offers none (a restore or rollback is then the way back).
    const bootFromDisk = spec.kernel === undefined && spec.guest !== 'tiny' && spec.disks.length > 0;
    const disk0 = spec.disks[0]?.path;
    let imageRepairs: string[] = [];
    if (bootFromDisk && disk0 !== undefined) {
      try {
        imageRepairs = offeredRepairs(disk0, { from: heal.golden.get(disk0) });
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
      // What the host can hold bounds it too: "more memory" is not planned when it could not be admitted.
      maxMemoryMiB: heal.hostMemory === undefined ? heal.maxMemoryMiB : Math.min(heal.maxMemoryMiB, Math.max(spec.memoryMiB, usableMiB(heal.hostMemory) - heal.hostMemory.headroomMiB)),
      hasLastGood: lg !== undefined,
      changed: lg === undefined ? [] : await changedSince(lg.fingerprint),
      hasDisk: spec.disks.length > 0,
      bootFromDisk,
      hasSnapshot: await backend.hasGoodState(spec),
      hasGolden,
      hasPreviousKernel: o.previousKernel !== undefined && existsSync(o.previousKernel) && spec.kernel !== o.previousKernel,
      imageRepairs,
      cleanBootSeconds: secs.length > 0 ? secs[Math.floor(secs.length / 2)]! : 30,
      ...(last !== undefined && (last.status === 'failed' || last.status === 'stalled') ? { lastVerdict: last.status } : {}),
    };
  }

  /** What a remedy handler may read: the spec, the last good configuration, golden sources. */
  function healContext(lastGood: LastGood | undefined, guest: { kernel?: string; initrd?: string } | undefined): HealContext {
    const sources = new Map<string, string>();
    const offer = (path: string | undefined, fallback: string | undefined) => {
      if (path === undefined || path === 'none') return;
      const from = existsSync(golden(path)) ? golden(path) : fallback;
      if (from !== undefined && existsSync(from)) sources.set(path, from);
    };
    offer(spec.kernel, guest?.kernel);
    offer(spec.initrd, guest?.initrd);
    for (const d of spec.disks) offer(d.path, undefined);
    const hostMemory = { ...(o.hostMemory ?? ((v: string) => readHostMemory(deps.home, v)))(vm), headroomMiB: spec.admissionHeadroomMiB ?? o.app.admissionHeadroomMiB ?? DEFAULT_HEADROOM_MIB };
    return { spec, lastGood, maxMemoryMiB: o.maxMemoryMiB ?? 2048, hostMemory, previousKernel: o.previousKernel, goldenDir, golden: sources, forensicsDir: join(deps.home, 'forensics', vm) };
  }

  async function apply(remedy: Remedy): Promise<void> {
    locked();
    await settled();
    const change = changeFor(healContext(loadLastGood(deps.home, vm), await guestFiles()), remedy.action);
    if (change.type === 'refused') throw recoveryErrors.make(change.code, change.message);
    const next = await backend.apply(change, spec);
    if (next !== spec) {
      spec = next;
      writeFileAtomic(healingPath, `${JSON.stringify(plainSpec(spec), null, 2)}\n`);
    }
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
    return { status, bootId: out.bootId, reason: out.reason, verdictAt: verdictAtOf(out), ...(status === 'failed' || status === 'stalled' ? { evidence: await evidenceFor(out, spec, deps, fingerprint) } : {}) };
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
