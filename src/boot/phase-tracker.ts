import { LIMIT } from '../core/index.ts';
import type { ReadySignal } from '../config/index.ts';
import type { Finding } from '../signatures/index.ts';
import { createBootLoopCounter } from './boot-loop.ts';
import { declaredWaitLeft } from './declared-wait.ts';
import { type BootPhase, phaseRank } from '../core/index.ts';
import { readyMatcher } from './ready.ts';
import { budgetFor, type StallBudget } from './stall-budget.ts';

export type BootStatus = 'ready' | 'failed' | 'stalled';

/** Why a verdict was reached: the class of signal that decided it. */
export type VerdictCause = 'ready-signal' | 'finding' | 'guest-panicked' | 'boot-loop' | 'guest-shutdown' | 'qemu-exit' | 'stall';

export type Verdict = Readonly<{
  status: BootStatus;
  reason: string;
  cause: VerdictCause;
  phase: BootPhase;
  atMs: number;
  finding?: Finding;
}>;

/** What the tracker tells its listener, in order. */
export type TrackerEvent =
  | { type: 'phase'; phase: BootPhase; atMs: number; evidence?: { line: number; text: string } }
  | { type: 'finding'; finding: Finding }
  | { type: 'reset'; atMs: number; count: number }
  | { type: 'verdict'; verdict: Verdict };

export type TrackerOptions = Readonly<{
  ready: ReadySignal;
  budget: StallBudget;
  bootLoop: { resets: number; windowSeconds: number };
}>;

/** How far a phase's budget stretches while the guest keeps printing novel lines. */
const STRETCH = 3;
/** Silence (no novel line) that ends the stretch. */
const QUIET_MS = 3000;

/** Where a reset happened says which layer most likely asked for it. */
const RESET_BLAME: Record<BootPhase, { component: Finding['component']; layer: Finding['layer'] }> = {
  firmware: { component: 'firmware', layer: 'image/bootloader' },
  bootloader: { component: 'bootloader', layer: 'image/bootloader' },
  kernel: { component: 'kernel', layer: 'guest-kernel' },
  initramfs: { component: 'initramfs', layer: 'guest-userspace' },
  init: { component: 'init', layer: 'guest-userspace' },
  ready: { component: 'init', layer: 'guest-userspace' },
};

/** A boot loop is seen in QMP events, not in one console line, so the tracker writes its finding. */
function bootLoopFinding(title: string, phase: BootPhase, atMs: number): Finding {
  return { id: 'boot.boot-loop', family: 'boot-loop', title, ...RESET_BLAME[phase], severity: 'fatal', phase, stopsBoot: true, evidence: [], atMs };
}

/**
 * The boot's phase state machine. It is fed console lines, findings, QMP events, the
 * QEMU exit and clock ticks, and reaches one verdict per boot: ready, failed or stalled.
 * It owns no timers or processes: the supervisor drives it, tests drive it by hand.
 */
export function createPhaseTracker(opts: TrackerOptions) {
  const ready = readyMatcher(opts.ready);
  const loops = createBootLoopCounter(opts.bootLoop);
  const listeners = new Set<(e: TrackerEvent) => void>();
  const timeline: { phase: BootPhase; atMs: number }[] = [{ phase: 'firmware', atMs: 0 }];
  const findings: Finding[] = [];
  let phase: BootPhase = 'firmware';
  let enteredAt = 0;
  let verdict: Verdict | undefined;
  let stopRequested = false;
  // One guest reboot can reach QEMU as several RESET events within milliseconds (the
  // kernel tries more than one reset method); a reset counts again only after the guest
  // printed something or a second has passed. A tracker starts as if just reset, because
  // in watch mode a new boot begins with the RESET that ended the previous one.
  let linesSinceReset = 0;
  let lastResetAt = 0;
  // A phase that runs long while the guest keeps printing new lines (a kernel probing
  // hardware on a loaded host) is slow, not stalled: the budget stretches up to
  // STRETCH× while novel lines keep coming. Repeated lines (a retry loop, systemd's
  // animated "A start job is running") do not count, so a spinning boot still stalls.
  let lastNovelAt = 0;
  const recent = new Set<string>();
  // The end of a wait the guest announced with its limit (systemd's running jobs): the
  // stall clock is held until then, so the guest's own timeout message is seen.
  let heldUntil = 0;
  let heldFor = '';
  /** When the current phase's stall clock started: entering it, or the end of an announced wait. */
  const clockStart = () => Math.max(enteredAt, heldUntil);
  const hold = (text: string, atMs: number) => {
    const left = declaredWaitLeft(text);
    if (left === undefined || text === heldFor) return;
    heldFor = text;
    heldUntil = Math.max(heldUntil, atMs + left);
  };
  // The firmware phase after a guest reset also holds the guest's way down and QEMU's
  // reset, which no good boot measured (a good boot's firmware phase starts at spawn), so
  // it gets the budget of a whole good boot rather than that of a first firmware phase.
  let afterReset = false;
  const budgetNow = () => (afterReset && phase === 'firmware' ? Math.max(budgetFor(opts.budget, phase), opts.budget.fallbackMs) : budgetFor(opts.budget, phase));

  const emit = (e: TrackerEvent) => {
    for (const fn of listeners) fn(e);
  };
  const decide = (v: Verdict) => {
    if (verdict !== undefined) return;
    verdict = v;
    emit({ type: 'verdict', verdict: v });
  };
  const advance = (p: BootPhase, atMs: number, evidence?: { line: number; text: string }) => {
    if (phaseRank(p) <= phaseRank(phase)) return;
    phase = p;
    enteredAt = atMs;
    timeline.push({ phase: p, atMs });
    emit(evidence === undefined ? { type: 'phase', phase: p, atMs } : { type: 'phase', phase: p, atMs, evidence });
    if (p === 'ready') decide({ status: 'ready', reason: `ready: ${ready.describe} seen`, cause: 'ready-signal', phase: p, atMs });
  };

  return {
    onEvent(fn: (e: TrackerEvent) => void): () => void {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    /** A whole console line (after cleaning). */
    line(no: number, raw: string, text: string, atMs: number) {
      linesSinceReset++;
      const shape = text.replace(/[0-9]+/g, '#').trim();
      if (shape !== '' && !recent.has(shape)) {
        lastNovelAt = atMs;
        recent.add(shape);
        if (recent.size > 256) recent.delete(recent.values().next().value!);
      }
      if (verdict === undefined && ready.line(text)) advance('ready', atMs, { line: no, text: raw });
      hold(text, atMs);
    },
    /** The unterminated tail of the console (prompts). */
    partial(text: string, atMs: number) {
      if (verdict === undefined && ready.partial(text)) advance('ready', atMs, { line: 0, text });
      hold(text, atMs);
    },
    /** A finding from the signature engine. Progress markers move the phase forward. */
    finding(f: Finding) {
      if (f.family === 'progress') {
        // The VM's own ready signal is authoritative; the engine's generic ready markers
        // (any login prompt, any target) are not, so they do not end the boot.
        if (f.phase !== 'ready') advance(f.phase, f.atMs ?? enteredAt, f.evidence[0]);
        return;
      }
      // A boot keeps at most FINDINGS_PER_BOOT_MAX findings; one past it still decides the boot.
      if (findings.length < LIMIT.FINDINGS_PER_BOOT_MAX) {
        findings.push(f);
        emit({ type: 'finding', finding: f });
      }
      if (f.stopsBoot && verdict === undefined) {
        decide({ status: 'failed', reason: f.title, cause: 'finding', phase, atMs: f.atMs ?? enteredAt, finding: f });
      }
    },
    /** A QMP event. */
    qmp(event: string, data: Record<string, unknown>, atMs: number) {
      switch (event) {
        case 'GUEST_PANICKED': {
          const action = typeof data['action'] === 'string' ? data['action'] : 'unknown';
          decide({ status: 'failed', reason: `guest kernel panicked (QMP GUEST_PANICKED, action ${action})`, cause: 'guest-panicked', phase, atMs });
          return;
        }
        case 'RESET': {
          if (data['guest'] === false) return; // our own system_reset
          if (linesSinceReset === 0 && atMs - lastResetAt < 1000) return;
          linesSinceReset = 0;
          lastResetAt = atMs;
          const count = loops.reset(atMs);
          emit({ type: 'reset', atMs, count });
          if (verdict !== undefined) return;
          if (loops.looping()) {
            const reason = `boot loop: ${count} guest resets within ${opts.bootLoop.windowSeconds} s, never ready`;
            const f = bootLoopFinding(reason, phase, atMs);
            findings.push(f);
            emit({ type: 'finding', finding: f });
            decide({ status: 'failed', reason, cause: 'boot-loop', phase, atMs, finding: f });
            return;
          }
          // A new attempt starts from the firmware; the stall clock restarts with it.
          phase = 'firmware';
          enteredAt = atMs;
          heldUntil = 0;
          afterReset = true;
          timeline.push({ phase, atMs });
          return;
        }
        case 'SHUTDOWN': {
          if (verdict !== undefined || stopRequested) return;
          const reason = typeof data['reason'] === 'string' ? data['reason'] : 'unknown';
          if (reason === 'guest-panic') {
            decide({ status: 'failed', reason: 'guest kernel panicked (QMP SHUTDOWN reason guest-panic)', cause: 'guest-panicked', phase, atMs });
          } else if (data['guest'] === true) {
            decide({ status: 'failed', reason: `guest ${reason === 'guest-reset' ? 'reset' : 'powered off'} before it was ready (QMP SHUTDOWN reason ${reason})`, cause: 'guest-shutdown', phase, atMs });
          }
          return;
        }
        default:
          return;
      }
    },
    /** QEMU ended. Before a verdict, and unasked, that is a failure with QEMU's reason. */
    exit(info: { code: number | null; signal: string | null; reason: string }, atMs: number) {
      if (verdict !== undefined || stopRequested) return;
      decide({ status: 'failed', reason: `QEMU exited before the guest was ready: ${info.reason}`, cause: 'qemu-exit', phase, atMs });
    },
    /** Clock tick: a stall is no phase progress for longer than the phase's budget. */
    tick(atMs: number) {
      if (verdict !== undefined) return;
      const budget = budgetNow();
      const start = clockStart();
      const quiet = atMs - Math.max(lastNovelAt, start);
      const stretched = atMs - start < STRETCH * budget && quiet < Math.min(budget, QUIET_MS);
      if (atMs - start > budget && !stretched) {
        const learned = opts.budget.learnedFrom > 0 ? `learned from ${opts.budget.learnedFrom} good boot(s)` : 'default, no good boot known yet';
        const waited = start > enteredAt ? `, ${((atMs - start) / 1000).toFixed(1)} s after the end of an announced wait` : '';
        decide({
          status: 'stalled',
          reason: `no progress in phase ${phase} for ${((atMs - enteredAt) / 1000).toFixed(1)} s${waited} (budget ${(budget / 1000).toFixed(1)} s, ${learned})`,
          cause: 'stall',
          phase,
          atMs,
        });
      }
    },
    /** Tells the tracker that we are stopping the VM, so its exit is not a failure. */
    stopping() {
      stopRequested = true;
    },
    verdict: () => verdict,
    phase: () => phase,
    timeline: () => timeline.slice(),
    findings: () => findings.slice(),
    /** ms until the current phase's budget runs out (for the supervisor's timer). */
    msUntilStall(atMs: number) {
      return clockStart() + budgetNow() - atMs;
    },
  };
}

export type PhaseTracker = ReturnType<typeof createPhaseTracker>;
