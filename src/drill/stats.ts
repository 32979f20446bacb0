// Drill statistics: per-scenario results and the totals the report and `--json` print.

/** One scenario as the report shows it. */
export type ScenarioResult = {
  index: number;
  name: string;
  vm: string;
  faults: string[];
  trueCauses: string[];
  recoverable: boolean;
  injected: string[];
  firstBoot?: { bootId: string; status: string; reason: string };
  detected: boolean;
  /** Failure findings of the faulty boot (titles). */
  findings: string[];
  timeToDetectMs?: number;
  topCause?: string;
  topProbability?: number;
  top1Correct?: boolean;
  incidentId?: string;
  remedies: string[];
  fixedBy?: string;
  /** Detection to ready. */
  mttrMs?: number;
  /** QEMU start to ready of the verification boot that proved the fix. */
  readyBootMs?: number;
  outcome: 'recovered' | 'handed-over' | 'shutdown' | 'suspended' | 'not-detected' | 'error';
  expectedOutcome: 'recovered' | 'handed-over';
  /** The outcome is the one the ground truth expects. */
  ok: boolean;
  handOverReport?: string;
  error?: string;
  wallMs?: number;
};

/** The drill's totals (the `--json` contract: scenarios, detectionRate, top1Accuracy, recoveryRate, mttrMedianMs, mttrP95Ms, cleanBootMs, checkpoint). */
export type DrillTotals = {
  scenarios: number;
  detected: number;
  detectionRate: number;
  top1Accuracy: number;
  recoverable: number;
  recovered: number;
  recoveryRate: number;
  unrecoverable: number;
  handedOver: number;
  handOverRate: number;
  errors: number;
  mttrMedianMs: number | null;
  mttrP95Ms: number | null;
  mttrMaxMs: number | null;
  cleanBootMs: number;
  mttrOverCleanBoot: number | null;
  /** Median of the verification boots that reached ready: a clean boot under the drill's own load. */
  readyBootMedianMs: number | null;
  mttrOverReadyBoot: number | null;
  rtoSeconds?: number;
  rtoMet?: boolean;
  checkpoint?: string;
};

/** The whole drill. */
export type DrillReport = {
  id: string;
  seed: number;
  startedAt: string;
  finishedAt: string;
  accel: 'kvm' | 'tcg';
  accelReason: string;
  rtoSeconds?: number;
  cleanBoot: { bootId: string; ms: number };
  scenarios: ScenarioResult[];
  totals: DrillTotals;
  dir: string;
  /** Ledger entry index of the drill's summary and the signed checkpoint covering it. */
  ledger?: { index: number; checkpoint: string };
};

/** Nearest-rank percentile of sorted numbers. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);

/** Computes the totals from the scenario results. */
export function computeTotals(rs: readonly ScenarioResult[], cleanBootMs: number, rtoSeconds?: number): DrillTotals {
  const detected = rs.filter((r) => r.detected);
  const diagnosed = detected.filter((r) => r.top1Correct !== undefined);
  const recoverable = rs.filter((r) => r.recoverable);
  const recovered = recoverable.filter((r) => r.outcome === 'recovered');
  const unrecoverable = rs.filter((r) => !r.recoverable);
  const mttrs = rs.flatMap((r) => (r.outcome === 'recovered' && r.mttrMs !== undefined ? [r.mttrMs] : [])).sort((a, b) => a - b);
  const median = percentile(mttrs, 50);
  const readyMedian = percentile(rs.flatMap((r) => (r.readyBootMs !== undefined ? [r.readyBootMs] : [])).sort((a, b) => a - b), 50);
  const t: DrillTotals = {
    scenarios: rs.length,
    detected: detected.length,
    detectionRate: ratio(detected.length, rs.length),
    top1Accuracy: ratio(diagnosed.filter((r) => r.top1Correct).length, diagnosed.length),
    recoverable: recoverable.length,
    recovered: recovered.length,
    recoveryRate: ratio(recovered.length, recoverable.length),
    unrecoverable: unrecoverable.length,
    handedOver: unrecoverable.filter((r) => r.outcome === 'handed-over').length,
    handOverRate: ratio(unrecoverable.filter((r) => r.outcome === 'handed-over').length, unrecoverable.length),
    errors: rs.filter((r) => r.outcome === 'error').length,
    mttrMedianMs: median,
    mttrP95Ms: percentile(mttrs, 95),
    mttrMaxMs: mttrs.at(-1) ?? null,
    cleanBootMs,
    mttrOverCleanBoot: median === null || cleanBootMs === 0 ? null : Math.round((median / cleanBootMs) * 100) / 100,
    readyBootMedianMs: readyMedian,
    mttrOverReadyBoot: median === null || readyMedian === null || readyMedian === 0 ? null : Math.round((median / readyMedian) * 100) / 100,
  };
  if (rtoSeconds !== undefined) {
    t.rtoSeconds = rtoSeconds;
    // Met when every recoverable fault was recovered within the objective.
    t.rtoMet = recovered.length === recoverable.length && recovered.every((r) => (r.mttrMs ?? Infinity) <= rtoSeconds * 1000);
  }
  return t;
}
