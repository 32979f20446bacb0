import type { BootPhase, BootStatus, VerdictCause } from '../boot/index.ts';
import type { Finding } from '../signatures/index.ts';

/** One QMP event as the outcome keeps it. */
export type QmpEventRecord = Readonly<{ event: string; atMs: number; data: Record<string, unknown> }>;

/**
 * The result of one boot: the contract of `bootmedic boot --json` and of the store.
 * Times are ms from the QEMU process start (or, after a reset, from that reset).
 */
export type BootOutcome = Readonly<{
  bootId: string;
  vm: string;
  status: BootStatus;
  /** The last phase reached. */
  phase: BootPhase;
  reason: string;
  cause: VerdictCause;
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

/** What the supervisor reports while a boot runs (human lines or JSON lines). */
export type SupervisorEvent =
  | { type: 'boot-start'; vm: string; bootId: string; accel: string; accelReason: string; atMs: number }
  | { type: 'phase'; vm: string; bootId: string; phase: BootPhase; atMs: number; evidence?: { line: number; text: string } }
  | { type: 'finding'; vm: string; bootId: string; finding: Finding }
  | { type: 'reset'; vm: string; bootId: string; atMs: number; count: number }
  | { type: 'verdict'; vm: string; bootId: string; status: BootStatus; reason: string; atMs: number; detectedAt: number }
  | { type: 'outcome'; outcome: BootOutcome }
  | { type: 'vm-exit'; vm: string; reason: string };
