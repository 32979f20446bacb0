// The shapes the dashboard reads from /api/v1 and the SSE stream: a mirror of
// src/service/types.ts, src/service/events.ts and src/supervisor/outcome.ts, kept here so
// the browser bundle depends on no server code. Only what the pages show is typed.

export type VmState = 'starting' | 'queued' | 'booting' | 'ready' | 'failed' | 'stalled' | 'healing' | 'handed-over' | 'stopped';
export const BOOT_PHASES = ['firmware', 'bootloader', 'kernel', 'initramfs', 'init', 'ready'] as const;
export type BootPhase = (typeof BOOT_PHASES)[number];

export type LastVerdict = { bootId: string; status: string; cause: string; reason: string; startedAt: string; durationMs: number };

export type VmSummary = {
  name: string;
  source: 'qemu' | 'libvirt';
  state: VmState;
  heal: boolean;
  lastVerdict?: LastVerdict;
  openIncident?: string;
  bootTrend: number[];
};

export type Evidence = { line: number; text: string };

export type Finding = {
  id: string;
  family: string;
  title: string;
  component?: string;
  layer?: string;
  severity?: string;
  phase?: string;
  stopsBoot?: boolean;
  evidence: Evidence[];
};

export type BootRow = {
  bootId: string;
  status: string;
  cause: string;
  /** The last phase reached. */
  phase?: string;
  /** False when the list came without timelines (api.ts then fetches them). */
  hasTimeline?: boolean;
  reason: string;
  startedAt: string;
  durationMs: number;
  timeline: { phase: string; atMs: number }[];
  findings?: Finding[];
};

export type BootOutcome = BootRow & {
  vm: string;
  phase: string;
  evidence: Evidence[];
  findings: Finding[];
  qmpEvents?: { event: string; atMs: number }[];
  accel?: string;
};

export type ConsoleLine = { no: number; text: string };
export type BootConsole = { lines: ConsoleLine[]; findingLines: number[] };

export type IncidentSummary = { id: string; vm: string; status: string; detectedAt: string | number; closedAt?: string | number; mttrMs?: number };

export type IncidentStep = { seq: number; remedy: string; status: string; result?: string; startedAt?: string | number; endedAt?: string | number };

export type Incident = IncidentSummary & {
  bootId?: string;
  fixedBy?: string;
  evidence: Evidence[];
  causes: { cause: string; probability: number }[];
  explanation: string[];
  steps: IncidentStep[];
  /** The forensic snapshot references, joined (kept for the older draft's one field). */
  forensic?: string;
  /** Each forensic snapshot reference (a folder of copies, or a qcow2 snapshot name). */
  forensics: string[];
  handOver?: HandOver;
};

/** The hand-over report of an incident given to a human (GET /incidents/{id}/handover). */
export type HandOver = {
  reason?: string;
  summary?: string;
  /** The report as the service wrote it (hand-over.md). */
  markdown?: string;
  forensicSnapshots?: string[];
  lastBoot?: string;
  [k: string]: unknown;
};

export type DrillTotals = {
  scenarios: number;
  detected: number;
  detectionRate: number;
  top1Accuracy: number;
  recovered: number;
  recoveryRate: number;
  handedOver: number;
  handOverRate?: number;
  /** Scenarios whose fault no remedy can fix (the hand-over rate is over these). */
  unrecoverable?: number;
  errors: number;
  cleanBootMs?: number;
  mttrMedianMs: number | null;
  mttrP95Ms: number | null;
  mttrMaxMs: number | null;
};

export type ScenarioResult = {
  index: number;
  name: string;
  vm?: string;
  outcome: string;
  expectedOutcome?: string;
  ok?: boolean;
  mttrMs?: number;
  timeToDetectMs?: number;
  topCause?: string;
  topProbability?: number;
  top1Correct?: boolean;
  trueCauses?: string[];
  remedies?: string[];
  fixedBy?: string;
};

export type DrillSummary = {
  id: string;
  status: 'running' | 'done' | 'failed';
  scenarios: number;
  seed: number;
  done: number;
  startedAt: string;
  totals?: DrillTotals;
  error?: string;
};

export type DrillDetail = DrillSummary & {
  report?: { totals: DrillTotals; scenarios: ScenarioResult[]; finishedAt?: string; accel?: string; ledger?: { index: number; checkpoint: string } };
};

export type DrillProgress = { done: number; total: number; current?: string; last?: ScenarioResult; phase: 'baseline' | 'scenario' | 'done' };

export type LedgerHead = { size: number; checkpoint: string; publicKey: string };
export type LedgerEntryRow = { index: number; type: string; vm?: string; at?: string; data: unknown; leafHash?: string };
/** `entry`: the entry's exact bytes as UTF-8 text, when the server sends them. */
export type InclusionProofJson = { index: number; size: number; leafHash: string; proof: string[]; checkpoint: string; entry?: string };

/** Supervisor events as the SSE `boot` events carry them (the ones the pages use). */
export type SupervisorEvent =
  | { type: 'boot-start'; vm: string; bootId: string; atMs: number }
  | { type: 'phase'; vm: string; bootId: string; phase: string; atMs: number }
  | { type: 'finding'; vm: string; bootId: string; finding: Finding }
  | { type: 'reset'; vm: string; bootId: string; atMs: number; count: number }
  | { type: 'verdict'; vm: string; bootId: string; status: string; reason: string; atMs: number }
  | { type: 'outcome'; outcome: BootOutcome }
  | { type: 'vm-exit'; vm: string; reason: string }
  | { type: 'boot-abandoned'; outcome: BootOutcome };

export type HealEvent = { type: string; incidentId: string; [k: string]: unknown };

export type ServiceEvent =
  | { kind: 'boot'; vm: string; event: SupervisorEvent }
  | { kind: 'heal'; vm: string; event: HealEvent }
  | { kind: 'console'; vm: string; bootId: string; line: number; text: string; atMs: number }
  | { kind: 'vm-state'; vm: string; state: VmState; reason?: string }
  | { kind: 'drill'; drillId: string; progress: DrillProgress }
  | { kind: 'drill-end'; drillId: string; ok: boolean; totals?: DrillTotals; error?: string }
  | { kind: 'ledger'; size: number };

export type Stamped = { seq: number; at: string; event: ServiceEvent };
