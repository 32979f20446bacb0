import { randomBytes } from 'node:crypto';
import { mkdirSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { budgetFor, createPhaseTracker, learnStallBudget, type PhaseTracker, type StallBudget, type Timeline } from '../boot/index.ts';
import type { VmSpec } from '../config/index.ts';
import { createConsoleRecorder } from '../console/index.ts';
import type { Hypervisor, VmEvent, VmProcess } from '../hypervisor/index.ts';
import { findingsFromQmpPanic } from '../signatures/index.ts';
import type { Store } from '../store/index.ts';
import { createConsoleFeed } from './console-feed.ts';
import { imageKeyOf } from './image-key.ts';
import { closeAbandonedBoot, markOpen, recordOutcome, type OpenBoot } from './open-boot.ts';
import type { BootOutcome, QmpEventRecord, SupervisorEvent } from './outcome.ts';
import { lockVm, vmDirOf, type VmLock } from './vm-lock.ts';
import { assertNever } from '../core/index.ts';

export type SupervisorDeps = Readonly<{
  hypervisor: Hypervisor;
  home: string;
  store?: Store;
  /** Appends an entry to the transparency log (the composition root wires the ledger). */
  record?: (entry: { type: string; vm: string; data: unknown }) => Promise<unknown>;
}>;

export type SuperviseOptions = Readonly<{
  signal?: AbortSignal;
  /** 'once': stop the VM at the first verdict. 'watch': keep it and follow later reboots. */
  mode: 'once' | 'watch';
  onEvent?: (e: SupervisorEvent) => void;
  /** Keep the VM running after a failed or stalled verdict (for healing or forensics). */
  keepFailed?: boolean;
  /** Learn stall budgets from this VM's good boots when this VM has none (a drill's copies of one VM). */
  learnFrom?: string;
  /** Each cleaned console line as it arrives (a live console view: the service's SSE); `line` is its number in console.log. */
  onConsoleLine?: (l: { vm: string; bootId: string; line: number; text: string; atMs: number }) => void;
  /** The VM's lock, held by a caller that drives it across several boots (a heal); without it the supervision takes the lock itself. */
  lock?: VmLock;
}>;

/** How long console output may keep arriving after a failure verdict before we stop the VM:
 * enough for the rest of a panic trace, short enough not to delay recovery. */
const DRAIN_MS = 400;
const TICK_MS = 100;

const bootIdFor = (vm: string) => `${vm}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(2).toString('hex')}`;

/**
 * Boots one VM under supervision and reports each boot's outcome.
 * In 'once' mode it resolves with the first boot's outcome after stopping the VM; in
 * 'watch' mode it follows reboots until the VM ends, fails, or the signal aborts.
 * @example
 * const [outcome] = await superviseVm(spec, { hypervisor, home }, { mode: 'once' });
 */
export async function superviseVm(spec: VmSpec, deps: SupervisorDeps, opts: SuperviseOptions): Promise<BootOutcome[]> {
  // Every driver of a VM passes here: the lock (SUPERVISOR_VM_BUSY when another bootmedic
  // holds it) comes before any file of the VM is touched.
  const vmDir = vmDirOf(deps.home, spec.name);
  if (opts.lock !== undefined && (opts.lock.dir !== vmDir || !opts.lock.held())) throw new Error(`superviseVm(${spec.name}): the lock passed is for ${opts.lock.dir} or released`);
  const own = opts.lock === undefined ? lockVm(deps.home, spec.name) : undefined;
  const lock = own ?? opts.lock!;
  let leave: (() => void) | undefined;
  try {
    leave = lock.enter();
    await closeAbandonedBoot(vmDir, deps, (e) => opts.onEvent?.(e));
    return await supervise(spec, deps, opts, vmDir);
  } finally {
    leave?.();
    own?.release();
  }
}

async function supervise(spec: VmSpec, deps: SupervisorDeps, opts: SuperviseOptions, vmDir: string): Promise<BootOutcome[]> {
  const imageKey = imageKeyOf(spec);
  const goodTimelines = (): Timeline[] => {
    if (deps.store === undefined) return [];
    const own = deps.store.boots.goodBoots({ vm: spec.name });
    const kin = own.length > 0 || opts.learnFrom === undefined ? own : deps.store.boots.goodBoots({ vm: opts.learnFrom });
    const boots = kin.length > 0 ? kin : deps.store.boots.goodBoots({ imageKey });
    return boots.map((b) => b.timeline as Timeline);
  };
  const emit = (e: SupervisorEvent) => opts.onEvent?.(e);

  // The accelerator's reason comes from the (cached) probe when the VM leaves it to us.
  const accelReason =
    spec.accel === 'auto' ? (await deps.hypervisor.probeAccel(opts.signal ? { signal: opts.signal } : {})).reason : `set by the VM file (accel: ${spec.accel})`;
  const proc: VmProcess = await deps.hypervisor.launch(spec, { runDir: vmDir, ...(opts.signal ? { signal: opts.signal } : {}) });
  // Event times are ms since QEMU was spawned; the clock for stall ticks must share that
  // origin. The earliest (now - atMs) over delivered events is the spawn instant, to
  // within event-dispatch latency.
  let t0 = performance.now();
  const sinceSpawn = () => performance.now() - t0;
  const outcomes: BootOutcome[] = [];
  let session: BootSession | undefined;
  let stopping = false;
  let exitInfo: { code: number | null; signal: string | null; stderr: string } = { code: null, signal: null, stderr: '' };

  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));

  const stopVm = async () => {
    if (stopping) return;
    stopping = true;
    session?.tracker.stopping();
    await proc.stop().catch(() => undefined);
  };

  const startSession = (startAtMs: number) => {
    session = openSession(spec, proc, deps, imageKey, learnStallBudget(goodTimelines(), spec.stall), startAtMs, accelReason, emit, sinceSpawn, { vmDir, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onConsoleLine ? { onConsoleLine: opts.onConsoleLine } : {}) });
    const s = session;
    s.tracker.onEvent((e) => {
      if (e.type !== 'verdict') return;
      const v = e.verdict;
      emit({ type: 'verdict', vm: spec.name, bootId: s.bootId, status: v.status, reason: v.reason, atMs: v.atMs, detectedAt: performance.now() });
      if (v.status === 'ready') {
        void s.close(exitInfo).then((o) => {
          outcomes.push(o);
          emit({ type: 'outcome', outcome: o });
          if (opts.mode === 'once') {
            // Done: the finally below stops the VM and waits for it to exit.
            void stopVm();
            finish();
          }
        });
        return;
      }
      // Failed or stalled: let the console drain the rest of the evidence, then stop.
      setTimeout(() => {
        void (async () => {
          if (!opts.keepFailed) await stopVm();
          const o = await s.close(exitInfo);
          outcomes.push(o);
          emit({ type: 'outcome', outcome: o });
          finish();
        })();
      }, DRAIN_MS);
    });
  };

  startSession(0);
  const off = proc.onEvent((ev: VmEvent) => {
    t0 = Math.min(t0, performance.now() - ev.atMs);
    if (ev.type === 'qmp' && ev.event === 'RESET' && ev.data['guest'] !== false && session?.tracker.verdict()?.status === 'ready') {
      // A reboot after a good boot is a new boot (watch mode follows it).
      if (opts.mode === 'watch') {
        emit({ type: 'reset', vm: spec.name, bootId: session.bootId, atMs: ev.atMs - session.startAtMs, count: 1 });
        startSession(ev.atMs);
      }
      return;
    }
    if (ev.type === 'exit') exitInfo = { code: ev.code, signal: ev.signal, stderr: ev.stderr };
    session?.handle(ev);
  });
  const onAbort = () => void stopVm();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // An abort that came while QEMU was launching raised no event: act on it now.
  if (opts.signal?.aborted === true) onAbort();
  const timer = setInterval(() => session?.tracker.tick(sinceSpawn() - (session?.startAtMs ?? 0)), TICK_MS);

  const exited = proc.exited.then((info) => {
    exitInfo = { code: info.code, signal: info.signal, stderr: info.stderr };
    emit({ type: 'vm-exit', vm: spec.name, reason: stopping ? 'stopped by bootmedic' : `QEMU exited (${info.code ?? info.signal})` });
  });
  try {
    // A VM that exits on its own gets DRAIN_MS for the last of its console before its boot closes.
    await Promise.race([done, exited.then(() => new Promise((r) => setTimeout(r, DRAIN_MS + 100)))]);
  } finally {
    clearInterval(timer);
    off();
    opts.signal?.removeEventListener('abort', onAbort);
    await stopVm();
    await exited;
  }
  // A boot still open when QEMU ended (e.g. aborted) closes with what it knows.
  if (session !== undefined && !session.closed) {
    const o = await session.close(exitInfo);
    outcomes.push(o);
    emit({ type: 'outcome', outcome: o });
  }
  return outcomes;
}

type BootSession = ReturnType<typeof openSession>;

/** One boot inside a QEMU process: console → lines → findings → tracker, plus the record. */
function openSession(
  spec: VmSpec,
  proc: VmProcess,
  deps: SupervisorDeps,
  imageKey: string,
  budget: StallBudget,
  startAtMs: number,
  accelReason: string,
  emit: (e: SupervisorEvent) => void,
  sinceSpawn: () => number,
  where: { vmDir: string; signal?: AbortSignal; onConsoleLine?: SuperviseOptions['onConsoleLine'] },
) {
  const bootId = bootIdFor(spec.name);
  const runDir = join(deps.home, 'boots', bootId);
  mkdirSync(runDir, { recursive: true });
  const consoleLog = join(runDir, 'console.log');
  const recorder = createConsoleRecorder(consoleLog, spec.consoleMaxBytes);
  const startedAt = new Date().toISOString();
  const rel = (atMs: number) => atMs - startAtMs;
  const tracker: PhaseTracker = createPhaseTracker({ ready: spec.ready, budget, bootLoop: spec.bootLoop });
  const qmpEvents: QmpEventRecord[] = [];
  let resets = 0;
  let closed = false;
  // Console times are taken when the bytes arrive, relative to this boot's start.
  let chunkAt = 0;
  const onLine = where.onConsoleLine;
  const feed = createConsoleFeed(tracker, () => chunkAt, onLine === undefined ? undefined : (line, text, atMs) => onLine({ vm: spec.name, bootId, line, text, atMs }));
  const marker = (): OpenBoot => ({
    bootId, vm: spec.name, pid: process.pid, runDir, consoleLog, startedAt, imageKey, accel: proc.accel, accelReason, qemuPid: proc.pid, phase: tracker.phase(), timeline: tracker.timeline(),
  });
  markOpen(where.vmDir, marker());

  emit({ type: 'boot-start', vm: spec.name, bootId, accel: proc.accel, accelReason, atMs: 0 });
  tracker.onEvent((e) => {
    switch (e.type) {
      case 'phase':
        if (!closed) markOpen(where.vmDir, marker());
        emit({ type: 'phase', vm: spec.name, bootId, phase: e.phase, atMs: e.atMs, ...(e.evidence ? { evidence: e.evidence } : {}) });
        break;
      case 'finding':
        emit({ type: 'finding', vm: spec.name, bootId, finding: e.finding });
        break;
      case 'reset':
        resets = e.count;
        emit({ type: 'reset', vm: spec.name, bootId, atMs: e.atMs, count: e.count });
        break;
      case 'verdict':
        break;
      default:
        assertNever(e, 'tracker event');
    }
  });

  return {
    bootId,
    tracker,
    startAtMs,
    get closed() {
      return closed;
    },
    handle(ev: VmEvent) {
      switch (ev.type) {
        case 'console':
          recorder.write(ev.chunk);
          chunkAt = rel(ev.atMs);
          feed.push(ev.chunk);
          break;
        case 'qmp':
          qmpEvents.push({ event: ev.event, atMs: rel(ev.atMs), data: ev.data });
          appendFileSync(join(runDir, 'qmp.jsonl'), `${JSON.stringify({ event: ev.event, atMs: rel(ev.atMs), data: ev.data })}\n`);
          if (ev.event === 'GUEST_PANICKED') for (const f of findingsFromQmpPanic(ev.data)) tracker.finding({ ...f, phase: tracker.phase(), atMs: rel(ev.atMs) });
          tracker.qmp(ev.event, ev.data, rel(ev.atMs));
          break;
        case 'exit':
          tracker.exit({ code: ev.code, signal: ev.signal, reason: ev.error?.message ?? (ev.stderr.trim().split('\n').pop() || `exit code ${ev.code ?? ev.signal}`) }, rel(ev.atMs));
          break;
        default:
          assertNever(ev, 'VM event');
      }
    },
    async close(exit: { code: number | null; signal: string | null; stderr: string }): Promise<BootOutcome> {
      closed = true;
      const ended = feed.end();
      await recorder.close();
      const v = tracker.verdict();
      const now = rel(sinceSpawn());
      // No verdict because the operator stopped bootmedic: that says nothing about the VM.
      const interrupted = v === undefined && where.signal?.aborted === true;
      const signalName = where.signal?.reason instanceof Error ? where.signal.reason.message : 'abort';
      // A stalled boot has no failure line; the engine says where it stopped, as offline.
      // Any boot gets the findings the engine still held (settled against a ready verdict).
      const findings = [...tracker.findings(), ...(v?.status === 'stalled' || v === undefined ? ended : ended.filter((f) => f.id !== 'incomplete-boot'))];
      const outcome: BootOutcome = {
        bootId,
        vm: spec.name,
        status: v?.status ?? (interrupted ? 'interrupted' : 'stalled'),
        phase: tracker.phase(),
        reason: v?.reason ?? (interrupted ? `interrupted by the operator (${signalName}) before any verdict, in phase ${tracker.phase()}` : `stopped before any verdict in phase ${tracker.phase()}`),
        cause: v?.cause ?? (interrupted ? 'operator' : 'stall'),
        findings,
        timeline: tracker.timeline(),
        accel: proc.accel,
        accelReason,
        durationMs: Math.round(v?.atMs ?? now),
        startedAt,
        evidence: v?.finding?.evidence ?? findings.find((f) => f.severity === 'fatal' || f.stopsBoot)?.evidence ?? [],
        qmpEvents,
        qemu: { pid: proc.pid, exitCode: exit.code, signal: exit.signal, stderr: exit.stderr.slice(-4000) },
        resets,
        stallBudget: { learnedFrom: budget.learnedFrom, currentPhaseMs: budgetFor(budget, tracker.phase()) },
        runDir,
        consoleLog,
        imageKey,
      };
      await recordOutcome(outcome, deps, where.vmDir);
      return outcome;
    },
  };
}
