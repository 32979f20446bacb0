import type { OpenInspection } from './inspect.ts';
import type { ForensicSnapshot } from './snapshot.ts';

/** What a repair sees: the target's current inspection, the golden image's, and a snapshot taker. */
export type RepairEnv = Readonly<{
  disk: string;
  format: 'raw' | 'qcow2';
  target: OpenInspection;
  /** Names of the checks that are problems right now. */
  problems: ReadonlySet<string>;
  golden: OpenInspection | undefined;
  /** Takes an extra forensic snapshot (the run takes one before the first repair anyway). */
  snapshot(reason: string): ForensicSnapshot;
}>;

/** Whether a repair can run now, and if not why. */
export type Precondition = Readonly<{ ok: true; reason: string } | { ok: false; reason: string }>;

/** The code half of a repair (its data half is in repairs.json). */
export type RepairImpl = Readonly<{
  /** Checks the repair's preconditions against the current inspection. */
  precondition(env: RepairEnv): Precondition;
  /** Carries the repair out and says, line by line, what it changed. */
  run(env: RepairEnv): string[];
}>;

export const can = (reason: string): Precondition => ({ ok: true, reason });
export const cannot = (reason: string): Precondition => ({ ok: false, reason });
