import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig, VmSpec } from '../config/index.ts';
import type { HealEvent, IncidentStore } from '../heal/index.ts';
import { createSnapshot } from '../hypervisor/index.ts';
import { createQemuHealTarget, fingerprintSpec, healBoot, LAST_GOOD_SNAPSHOT, plainSpec, saveLastGood, type VmBackend } from '../recovery/index.ts';
import type { SupervisorDeps } from '../supervisor/index.ts';
import { drillErrors } from './errors.ts';
import { damageInPlace, drillSpec, goldenDisk, needsSecureBoot, scenarioDisk, scenarioGoldenDir } from './drill-vm.ts';
import { drawScenarios, injectScenario, type DrillGuest, type Scenario } from './scenarios.ts';
import type { DrillProgress } from './progress.ts';
import { computeTotals, type DrillReport, type ScenarioResult } from './stats.ts';

// A drill: one clean boot of the drill VM (the baseline every scenario is measured
// against), then each seeded scenario on its own copy of that VM: inject, boot (detection),
// diagnose and heal through the real QEMU target, and score against the ground truth. The
// drill VM is the tiny guest or the Debian UEFI image (drill-vm.ts).

export type DrillOptions = Readonly<{
  scenarios: number;
  seed: number;
  parallel?: number;
  rtoSeconds?: number;
  /** Draw only the scenarios marked quick (the demo of `bootmedic run`). */
  quick?: boolean;
  /** The guest every drill VM runs (default tiny); its scenarios come from its own file. */
  guest?: DrillGuest;
  app: AppConfig;
  deps: SupervisorDeps;
  incidents: IncidentStore;
  /** The drill's folder (report files, VM copies). */
  dir: string;
  id?: string;
  signal?: AbortSignal;
  onProgress?: (p: DrillProgress) => void;
  /** Where the drill's VMs live when not QEMU processes of bootmedic's own (libvirt domains). */
  machines?: DrillMachines;
}>;

/**
 * The VMs of a drill on another hypervisor (libvirt): the drill's folder for each VM's files
 * (one that hypervisor can read), a backend per VM (which may define the VM first) and its
 * removal. Without it the drill runs QEMU processes with files under its own folder.
 */
export type DrillMachines = Readonly<{
  /** The VM names' prefix (libvirt: `bmdrill`, so that a drill's domains are recognisable). */
  prefix: string;
  /** The folder for the VM's disk and damaged files. */
  dirOf(vm: string): string;
  /** A folder every VM of the drill may read: the golden disks their disks are overlays of. */
  sharedDir: string;
  /** The backend healing and boots of `vm` go through; `spec` is its configuration now. */
  backendFor(vm: string, spec: VmSpec): Promise<VmBackend>;
  /** Removes what the drill made for `vm` (never anything else). */
  release(vm: string): Promise<void>;
}>;

/** Runs a drill and returns its report (files are written by the caller with writeReport). */
export async function runDrill(o: DrillOptions): Promise<DrillReport> {
  if (!(o.scenarios >= 1 && o.scenarios <= 1000) || !((o.parallel ?? 1) >= 1 && (o.parallel ?? 1) <= 8) || (o.rtoSeconds !== undefined && !(o.rtoSeconds > 0))) {
    throw drillErrors.make('DRILL_BAD_OPTIONS', `scenarios ${o.scenarios}, parallel ${o.parallel ?? 1}, rto ${o.rtoSeconds ?? '-'}`);
  }
  const id = o.id ?? randomBytes(3).toString('hex');
  const startedAt = new Date().toISOString();
  const guest = o.guest ?? 'tiny';
  const goldenDir = o.machines?.sharedDir ?? join(o.dir, 'golden');
  // Debian's golden copies hold a whole system: a QEMU drill removes them (and the overlays on them) after.
  const removeAfter = guest === 'debian' && o.machines === undefined;
  try {
    return await drill(o, { id, startedAt, guest, goldenDir });
  } finally {
    if (removeAfter) for (const d of [goldenDir, join(o.dir, 'vms')]) rmSync(d, { recursive: true, force: true });
  }
}

async function drill(o: DrillOptions, d: { id: string; startedAt: string; guest: DrillGuest; goldenDir: string }): Promise<DrillReport> {
  const { id, startedAt, guest, goldenDir } = d;
  const golden = await goldenDisk(goldenDir, guest, o.app);

  const probe = await o.deps.hypervisor.probeAccel();
  // A forced KVM boot hangs only where the probe found KVM present but hanging.
  const kvmHangs = probe.accel === 'tcg' && existsSync('/dev/kvm');
  const list = drawScenarios(o.scenarios, o.seed, { guest, ...(o.quick ? { quick: true } : {}), ...(kvmHangs ? {} : { exclude: ['kvm-hang'] }) });

  // The baseline: one clean boot, which also teaches every scenario VM its stall budgets.
  o.onProgress?.({ done: 0, total: list.length, current: 'clean boot (baseline)', phase: 'baseline' });
  const baseVm = `${o.machines?.prefix ?? 'drill'}-${id}-base`;
  const baseDir = o.machines?.dirOf(baseVm) ?? join(o.dir, 'vms', baseVm);
  const baseDisk = join(baseDir, 'disk.qcow2');
  mkdirSync(baseDir, { recursive: true });
  scenarioDisk(golden, baseDisk, guest);
  const baseSpec = drillSpec(baseVm, baseDisk, guest);
  const baseBackend = await o.machines?.backendFor(baseVm, baseSpec);
  const baseTarget = createQemuHealTarget({ spec: baseSpec, app: o.app, deps: o.deps, goldenDir, ...(baseBackend !== undefined ? { backend: baseBackend } : {}) });
  const clean = await baseTarget.boot(o.signal).finally(async () => {
    baseTarget.close();
    await o.machines?.release(baseVm);
  });
  if (clean.status !== 'ready') throw drillErrors.make('DRILL_BASELINE_FAILED', `drill ${id}: the clean boot of ${baseVm} ended ${clean.status}: ${clean.reason}`);

  const results: ScenarioResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < list.length && o.signal?.aborted !== true) {
      const sc = list[next++]!;
      o.onProgress?.({ done: results.length, total: list.length, current: sc.name, phase: 'scenario' });
      const r = await runScenario(sc, { ...o, id, guest, goldenDir, baseVm, accel: probe.accel, cleanBootId: clean.bootId });
      results.push(r);
      await o.deps.record?.({ type: 'drill-scenario', vm: r.vm, data: { drill: id, ...r } });
      o.onProgress?.({ done: results.length, total: list.length, last: r, phase: 'scenario' });
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.parallel ?? 1, list.length) }, worker));
  results.sort((a, b) => a.index - b.index);
  o.onProgress?.({ done: results.length, total: list.length, phase: 'done' });
  return {
    id,
    seed: o.seed,
    startedAt,
    finishedAt: new Date().toISOString(),
    accel: probe.accel,
    accelReason: probe.reason,
    ...(o.rtoSeconds !== undefined ? { rtoSeconds: o.rtoSeconds } : {}),
    cleanBoot: { bootId: clean.bootId, ms: clean.durationMs },
    scenarios: results,
    totals: computeTotals(results, clean.durationMs, o.rtoSeconds),
    dir: o.dir,
  };
}

type Ctx = DrillOptions & { id: string; guest: DrillGuest; goldenDir: string; baseVm: string; accel: 'kvm' | 'tcg'; cleanBootId: string };

async function runScenario(sc: Scenario, c: Ctx): Promise<ScenarioResult> {
  const vm = `${c.machines?.prefix ?? 'drill'}-${c.id}-s${String(sc.index).padStart(3, '0')}`;
  const dir = c.machines?.dirOf(vm) ?? join(c.dir, 'vms', vm);
  mkdirSync(dir, { recursive: true });
  const disk = join(dir, 'disk.qcow2');
  const secureBoot = needsSecureBoot(sc);
  const golden = await goldenDisk(c.goldenDir, c.guest, c.app, secureBoot);
  scenarioDisk(golden, disk, c.guest);
  const base = drillSpec(vm, disk, c.guest, secureBoot ? { secureBoot } : {});
  // The scenario VM is a byte-identical copy of the baseline that just booted to ready:
  // its last good configuration and disk snapshot are recorded as that boot left them.
  let backend: VmBackend | undefined;
  if (c.machines !== undefined) {
    backend = await c.machines.backendFor(vm, base);
    await backend.keepGoodState(base);
  } else {
    await createSnapshot(disk, LAST_GOOD_SNAPSHOT);
  }
  saveLastGood(c.deps.home, vm, { at: new Date().toISOString(), bootId: c.cleanBootId, spec: plainSpec(base), fingerprint: await fingerprintSpec(base, c.app, c.accel) });
  const started = Date.now();
  let target: ReturnType<typeof createQemuHealTarget> | undefined;
  const result: ScenarioResult = {
    index: sc.index, name: sc.name, vm, faults: sc.faults.map((f) => f.name), trueCauses: [...sc.causes], recoverable: sc.recoverable, injected: [],
    detected: false, findings: [], remedies: [], outcome: 'not-detected', expectedOutcome: sc.recoverable ? 'recovered' : 'handed-over', ok: false,
  };
  try {
    const inj = await injectScenario(base, sc, dir, c.app, c.guest === 'debian' ? { copyOf: 'debian' } : {});
    if (c.guest === 'debian') {
      const placed = await damageInPlace(inj.spec, disk);
      inj.spec = placed.spec;
      if (placed.note !== undefined) inj.notes.push(placed.note);
    }
    result.injected = inj.notes;
    // A Debian fault moves the VM onto an overlay of its own: its golden copy goes by that name.
    const goldenDir = c.guest === 'debian' ? scenarioGoldenDir(dir, golden, inj.spec) : c.goldenDir;
    target = createQemuHealTarget({ spec: inj.spec, app: c.app, deps: c.deps, goldenDir, learnFrom: c.baseVm, simulate: inj.simulate, maxMemoryMiB: c.guest === 'debian' ? 2048 : 1024, ...(backend !== undefined ? { backend } : {}) });
    const first = await target.boot(c.signal);
    result.firstBoot = { bootId: first.bootId, status: first.status, reason: first.reason };
    result.findings = first.findings.filter((f) => f.severity !== 'info').slice(0, 6).map((f) => f.title);
    if (first.status === 'ready') {
      result.outcome = 'not-detected';
      return result;
    }
    result.detected = true;
    result.timeToDetectMs = first.durationMs;
    const events: HealEvent[] = [];
    const h = await healBoot({ target, outcome: first, deps: c.deps, incidents: c.incidents, ...(c.signal ? { signal: c.signal } : {}), onEvent: (e) => events.push(e) });
    const top = h.diagnosis!.causes[0]!;
    result.topCause = top.cause;
    result.topProbability = top.probability;
    result.top1Correct = (sc.causes as readonly string[]).includes(top.cause);
    result.incidentId = h.result.incidentId;
    result.remedies = h.result.steps.map((s) => `${s.remedy}: ${s.outcome}`);
    result.outcome = h.result.outcome;
    if (h.result.mttrMs !== undefined) result.mttrMs = h.result.mttrMs;
    if (h.result.fixedBy !== undefined) result.fixedBy = h.result.fixedBy;
    const proof = target.lastOutcome();
    if (h.result.outcome === 'recovered' && proof?.status === 'ready') result.readyBootMs = proof.durationMs;
    const ho = target.handOvers()[0];
    if (ho !== undefined) result.handOverReport = ho;
  } catch (e) {
    result.outcome = 'error';
    result.error = (e as Error).message;
  } finally {
    target?.close();
    await c.machines?.release(vm).catch(() => undefined);
    result.wallMs = Date.now() - started;
    result.ok = result.outcome === result.expectedOutcome;
  }
  return result;
}
