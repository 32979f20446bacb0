// The record of a boot in progress, and its end. While a boot runs, <vm dir>/open-boot.json
// says which boot it is and how far it got; the boot's end writes outcome.json, the store
// row and the ledger entry, then removes the marker. A marker found at the next start of
// the VM (the VM's lock is held then, so no live bootmedic owns it) is a boot whose
// bootmedic died: it is closed as `bootmedic-died`, visibly and in the ledger, and the
// stale QMP socket it left is removed.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BootPhase } from '../boot/index.ts';
import { boundEvidence, boundJson, writeFileAtomic } from '../core/index.ts';
import { supervisorErrors } from './errors.ts';
import type { BootOutcome, SupervisorEvent } from './outcome.ts';
import type { SupervisorDeps } from './supervise.ts';

/** What open-boot.json holds: enough to close the boot if its bootmedic dies. */
export type OpenBoot = Readonly<{
  bootId: string;
  vm: string;
  pid: number;
  runDir: string;
  consoleLog: string;
  startedAt: string;
  imageKey: string;
  accel: 'kvm' | 'tcg';
  accelReason: string;
  qemuPid: number;
  phase: BootPhase;
  timeline: readonly { phase: BootPhase; atMs: number }[];
}>;

const markerPath = (vmDir: string) => join(vmDir, 'open-boot.json');

/** Writes (or updates, at each phase) the marker of the boot in progress. */
export function markOpen(vmDir: string, b: OpenBoot): void {
  // A hint rewritten at every phase: atomic (never torn) but not flushed each time.
  writeFileAtomic(markerPath(vmDir), `${JSON.stringify(b)}\n`, { sync: false });
}

/** Writes a finished boot's record: outcome.json, the store row, the ledger entry; then clears the marker. */
export async function recordOutcome(outcome: BootOutcome, deps: SupervisorDeps, vmDir: string): Promise<void> {
  // Bounded like every report (LIMIT.REPORT_*): evidence per finding, then the file's bytes; what is cut is marked.
  const shown = { ...boundEvidence([outcome])[0]!, findings: boundEvidence(outcome.findings) };
  writeFileAtomic(join(outcome.runDir, 'outcome.json'), boundJson(shown, { see: outcome.consoleLog }));
  deps.store?.boots.add({
    id: outcome.bootId, vm: outcome.vm, imageKey: outcome.imageKey, startedAt: outcome.startedAt, status: outcome.status, phase: outcome.phase,
    reason: outcome.reason, accel: outcome.accel, durationMs: outcome.durationMs, timeline: outcome.timeline, record: outcome,
  });
  await deps.record?.({
    type: 'boot-outcome',
    vm: outcome.vm,
    data: {
      bootId: outcome.bootId, status: outcome.status, phase: outcome.phase, reason: outcome.reason, accel: outcome.accel, durationMs: outcome.durationMs,
      timeline: outcome.timeline, findings: outcome.findings.map((f) => ({ id: f.id, title: f.title, severity: f.severity })),
    },
  });
  const m = markerPath(vmDir);
  if (existsSync(m) && readMarker(m)?.bootId === outcome.bootId) rmSync(m, { force: true });
}

function readMarker(path: string): OpenBoot | undefined {
  try {
    const b = JSON.parse(readFileSync(path, 'utf8')) as OpenBoot;
    if (typeof b.bootId !== 'string' || typeof b.runDir !== 'string' || typeof b.pid !== 'number') throw new Error('bootId, runDir or pid missing');
    return b;
  } catch (cause) {
    throw supervisorErrors.make('SUPERVISOR_STATE_DAMAGED', `open boot marker ${path} is damaged: ${cause instanceof SyntaxError ? 'not valid JSON' : (cause as Error).message}`, { cause });
  }
}

/**
 * Closes the boot a dead bootmedic left open on this VM (if any) and removes its stale QMP
 * socket. Call only with the VM's lock held. Returns the closed boot's outcome.
 */
export async function closeAbandonedBoot(vmDir: string, deps: SupervisorDeps, emit: (e: SupervisorEvent) => void): Promise<BootOutcome | undefined> {
  const m = markerPath(vmDir);
  const sock = join(vmDir, 'qmp.sock');
  const staleSocket = existsSync(sock) ? sock : undefined;
  if (staleSocket !== undefined) rmSync(staleSocket, { force: true });
  if (!existsSync(m)) return undefined;
  const b = readMarker(m)!;
  if (existsSync(join(b.runDir, 'outcome.json'))) {
    // It died after writing the outcome: the record is whole but for the marker.
    rmSync(m, { force: true });
    return undefined;
  }
  const last = b.timeline.at(-1)?.atMs ?? 0;
  const outcome: BootOutcome = {
    bootId: b.bootId, vm: b.vm, status: 'bootmedic-died', phase: b.phase,
    reason: `bootmedic died (pid ${b.pid} was killed or crashed) before this boot's verdict, in phase ${b.phase}; closed at the next start of the VM`,
    cause: 'bootmedic-died', findings: [], timeline: b.timeline, accel: b.accel, accelReason: b.accelReason, durationMs: Math.round(last), startedAt: b.startedAt,
    evidence: [], qmpEvents: [], qemu: { pid: b.qemuPid, exitCode: null, signal: null, stderr: '' }, resets: 0,
    stallBudget: { learnedFrom: 0, currentPhaseMs: 0 }, runDir: b.runDir, consoleLog: b.consoleLog, imageKey: b.imageKey,
  };
  await recordOutcome(outcome, deps, vmDir);
  emit({ type: 'boot-abandoned', outcome, ...(staleSocket !== undefined ? { socket: staleSocket } : {}) });
  return outcome;
}
