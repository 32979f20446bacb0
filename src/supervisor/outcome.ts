import type { BootPhase, BootStatus, VerdictCause } from '../boot/index.ts';
import type { Finding } from '../signatures/index.ts';

/**
 * How a boot's record ends: a verdict of the boot itself (ready, failed, stalled), or an
 * end that says nothing about the VM: `interrupted` (the operator stopped bootmedic with
 * SIGINT/SIGTERM before a verdict) and `bootmedic-died` (the bootmedic driving it was
 * killed or crashed; the next start of that VM closes the boot so). Neither is a failure.
 */
export type OutcomeStatus = BootStatus | 'interrupted' | 'bootmedic-died';

/** What decided the end: a verdict's cause, the operator's signal, or bootmedic's death. */
export type OutcomeCause = VerdictCause | 'operator' | 'bootmedic-died';

/** True for the ends that are no verdict on the VM (not a failure, not a success). */
export const isNoVerdict = (s: OutcomeStatus): s is 'interrupted' | 'bootmedic-died' => s === 'interrupted' || s === 'bootmedic-died';

/** One QMP event as the outcome keeps it. */
export type QmpEventRecord = Readonly<{ event: string; atMs: number; data: Record<string, unknown> }>;

/**
 * The result of one boot: the contract of `bootmedic boot --json` and of the store.
 * Times are ms from the QEMU process start (or, after a reset, from that reset).
 */
export type BootOutcome = Readonly<{
  bootId: string;
  vm: string;
  status: OutcomeStatus;
  /** The last phase reached. */
  phase: BootPhase;
  reason: string;
  cause: OutcomeCause;
  findings: readonly Finding[];
  timeline: readonly { phase: BootPhase; atMs: number }[];
  accel: 'kvm' | 'tcg';
  accelReason: string;
  /** From the start of this boot to the verdict. */
  durationMs: number;
  startedAt: string;
  /** The evidence lines that decided a failed verdict. */
  evidence: readonly { line: number; text: string }[];
  qmpEvents: readonly QmpEventRecord[];
  qemu: Readonly<{ pid: number; exitCode: number | null; signal: string | null; stderr: string }>;
  resets: number;
  stallBudget: Readonly<{ learnedFrom: number; currentPhaseMs: number }>;
  /** Folder with console.log, qmp.jsonl and outcome.json. */
  runDir: string;
  consoleLog: string;
  imageKey: string;
}>;

/** When a boot's verdict was decided (epoch ms): its start plus its duration. */
export const verdictAtOf = (o: Pick<BootOutcome, 'startedAt' | 'durationMs'>): number => Date.parse(o.startedAt) + o.durationMs;

/** What the supervisor reports while a boot runs (human lines or JSON lines). */
export type SupervisorEvent =
  | { type: 'boot-start'; vm: string; bootId: string; accel: string; accelReason: string; atMs: number }
  | { type: 'phase'; vm: string; bootId: string; phase: BootPhase; atMs: number; evidence?: { line: number; text: string } }
  | { type: 'finding'; vm: string; bootId: string; finding: Finding }
  | { type: 'reset'; vm: string; bootId: string; atMs: number; count: number }
  | { type: 'verdict'; vm: string; bootId: string; status: BootStatus; reason: string; atMs: number; detectedAt: number }
  | { type: 'outcome'; outcome: BootOutcome }
  | { type: 'vm-exit'; vm: string; reason: string }
  /** A boot left open by a bootmedic that died, closed at this start; `socket` is the stale QMP socket removed, if any. */
  | { type: 'boot-abandoned'; outcome: BootOutcome; socket?: string };
