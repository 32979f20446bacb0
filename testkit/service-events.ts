// Synthetic hub events for the metrics and alert tests: a boot that fails on a kernel
// panic, an incident that heals it, a ready boot. Shapes are the real types', so a
// change in them breaks these builders at compile time.
import type { ServiceEvent } from '../src/service/index.ts';
import type { BootOutcome } from '../src/supervisor/index.ts';
import type { Finding } from '../src/signatures/index.ts';

const PANIC_LINE = 'Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)';

/** A kernel-panic finding as the signature engine reports it. */
export function panicFinding(line = 412): Finding {
  return {
    id: 'kernel.panic.vfs-root',
    family: 'kernel-panic',
    title: 'Kernel panic: VFS: Unable to mount root fs',
    component: 'kernel',
    layer: 'guest-kernel',
    severity: 'fatal',
    phase: 'kernel',
    stopsBoot: true,
    evidence: [{ line, text: PANIC_LINE }],
    atMs: 5200,
  };
}

/** A boot outcome; `status` decides the defaults (a failed one is a VFS panic in the kernel phase). */
export function outcomeOf(o: Partial<BootOutcome> & Pick<BootOutcome, 'vm' | 'bootId' | 'status'>): BootOutcome {
  const failed = o.status === 'failed';
  const ready = o.status === 'ready';
  return {
    phase: ready ? 'ready' : 'kernel',
    reason: ready ? 'ready: "bootmedic-ready" seen' : failed ? 'Kernel panic: VFS: Unable to mount root fs' : 'no progress in phase kernel for 30 s',
    cause: ready ? 'ready-signal' : failed ? 'finding' : 'stall',
    findings: failed ? [panicFinding()] : [],
    timeline: ready
      ? [{ phase: 'firmware', atMs: 0 }, { phase: 'kernel', atMs: 800 }, { phase: 'initramfs', atMs: 4000 }, { phase: 'init', atMs: 5000 }, { phase: 'ready', atMs: 6000 }]
      : [{ phase: 'firmware', atMs: 0 }, { phase: 'kernel', atMs: 800 }],
    accel: 'tcg',
    accelReason: 'test',
    durationMs: ready ? 6000 : 5200,
    startedAt: '2026-12-07T03:00:00.000Z',
    evidence: failed ? [{ line: 412, text: PANIC_LINE }] : [],
    qmpEvents: [],
    qemu: { pid: 1, exitCode: null, signal: null, stderr: '' },
    resets: 0,
    stallBudget: { learnedFrom: 0, currentPhaseMs: 0 },
    runDir: '/nonexistent',
    consoleLog: '/nonexistent/console.log',
    imageKey: 'k',
    ...o,
  };
}

/** The events of one boot: start, a console line, a verdict, the outcome (`perfAt` is the verdict's process-clock time). */
export function bootEvents(vm: string, bootId: string, status: BootOutcome['status'], perfAt = 0): ServiceEvent[] {
  const outcome = outcomeOf({ vm, bootId, status });
  const at = outcome.durationMs;
  const events: ServiceEvent[] = [
    { kind: 'vm-state', vm, state: 'booting' },
    { kind: 'boot', vm, event: { type: 'boot-start', vm, bootId, accel: 'tcg', accelReason: 'test', atMs: 0 } },
    { kind: 'console', vm, bootId, line: 411, text: 'Run /init as init process', atMs: at - 100 },
  ];
  if (status === 'ready' || status === 'failed' || status === 'stalled') {
    events.push({ kind: 'boot', vm, event: { type: 'verdict', vm, bootId, status, reason: outcome.reason, atMs: at, detectedAt: perfAt } });
  }
  events.push({ kind: 'boot', vm, event: { type: 'outcome', outcome } });
  events.push({ kind: 'vm-state', vm, state: status === 'ready' ? 'ready' : status === 'failed' ? 'failed' : status === 'stalled' ? 'stalled' : 'stopped' });
  return events;
}

/** An incident that heals a VM with one remedy: opened, diagnosed, one action, fixed, closed recovered. */
export function healedIncidentEvents(vm: string, incidentId: string, o: { mttrMs?: number; remedy?: string } = {}): ServiceEvent[] {
  const remedy = o.remedy ?? 'restore-boot-artefacts';
  const heal = (event: Extract<ServiceEvent, { kind: 'heal' }>['event']): ServiceEvent => ({ kind: 'heal', vm, event });
  return [
    { kind: 'vm-state', vm, state: 'healing' },
    heal({ type: 'incident-opened', incidentId, vm, detectedAt: 1000 }),
    heal({ type: 'diagnosis', incidentId, causes: [{ cause: 'initramfs-corrupt', probability: 0.87 }, { cause: 'transient', probability: 0.05 }], summary: 'initramfs-corrupt' }),
    heal({ type: 'action', incidentId, seq: 1, remedy, action: { kind: 'retry' }, attempt: 1 }),
    heal({ type: 'result', incidentId, seq: 1, remedy, status: 'ready', fixed: true }),
    heal({ type: 'incident-closed', incidentId, status: 'recovered', mttrMs: o.mttrMs ?? 42_000, fixedBy: remedy }),
    { kind: 'vm-state', vm, state: 'ready' },
  ];
}

/** An incident that gives up: opened, diagnosed, one failed remedy, handed over, closed handed-over. */
export function handedOverIncidentEvents(vm: string, incidentId: string): ServiceEvent[] {
  const heal = (event: Extract<ServiceEvent, { kind: 'heal' }>['event']): ServiceEvent => ({ kind: 'heal', vm, event });
  return [
    heal({ type: 'incident-opened', incidentId, vm, detectedAt: 1000 }),
    heal({ type: 'diagnosis', incidentId, causes: [{ cause: 'rootfs-corrupt', probability: 0.61 }], summary: 'rootfs-corrupt' }),
    heal({ type: 'result', incidentId, seq: 1, remedy: 'retry', status: 'failed', fixed: false }),
    heal({ type: 'hand-over', incidentId, reason: 'no remedy left' }),
    heal({ type: 'incident-closed', incidentId, status: 'handed-over' }),
    { kind: 'vm-state', vm, state: 'handed-over' },
  ];
}
