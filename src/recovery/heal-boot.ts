import { diagnose, type Diagnosis, type Evidence } from '../diagnose/index.ts';
import { createHealer, type HealBudget, type HealEvent, type HealResult, type IncidentStore } from '../heal/index.ts';
import { verdictAtOf, type BootOutcome, type SupervisorDeps } from '../supervisor/index.ts';
import type { QemuHealTarget } from './qemu-heal-target.ts';

// One failed boot to its end: evidence, diagnosis, an incident healed through the real
// target. Every heal event is appended to the ledger (as its own entry type) through the
// runtime's record function, and handed to the caller.

export type HealBootInput = Readonly<{
  target: QemuHealTarget;
  /** The failed or stalled boot that opens the incident; absent to resume the VM's open incident. */
  outcome?: BootOutcome;
  deps: SupervisorDeps;
  incidents: IncidentStore;
  signal?: AbortSignal;
  budget?: Partial<HealBudget>;
  onEvent?: (e: HealEvent) => void;
}>;

export type HealBootResult = { result: HealResult; diagnosis?: Diagnosis; evidence?: Evidence; events: HealEvent[] };

/** Diagnoses a failed boot and heals it (or resumes the VM's open incident). */
export async function healBoot(input: HealBootInput): Promise<HealBootResult> {
  const { target, outcome, deps } = input;
  const vm = target.spec().name;
  const evidence = outcome === undefined ? undefined : await target.evidence(outcome);
  const diagnosis = evidence === undefined ? undefined : diagnose(evidence);
  const events: HealEvent[] = [];
  const healer = createHealer({
    incidents: input.incidents,
    ...(input.budget !== undefined ? { budget: input.budget } : {}),
    record: async (e) => {
      events.push(e);
      input.onEvent?.(e);
      await deps.record?.({ type: `heal-${e.type}`, vm, data: e });
    },
  });
  const result = await healer.heal({
    vm,
    target,
    ...(diagnosis !== undefined && evidence !== undefined && outcome !== undefined ? { diagnosis, evidence, bootId: outcome.bootId, detectedAt: verdictAtOf(outcome) } : {}),
    ...(input.signal !== undefined ? { signal: input.signal } : {}),
  });
  return { result, ...(diagnosis !== undefined ? { diagnosis } : {}), ...(evidence !== undefined ? { evidence } : {}), events };
}
