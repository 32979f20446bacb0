import type { AppConfig, VmSpec } from '../config/index.ts';
import { openIncidentOf, type HealEvent, type HealResult, type IncidentStore } from '../heal/index.ts';
import { createQemuHealTarget, healBoot, type QemuHealTarget } from '../recovery/index.ts';
import { isNoVerdict, superviseVm, type BootOutcome, type SuperviseOptions, type SupervisorDeps, type SupervisorEvent } from '../supervisor/index.ts';

// One VM's watch loop, shared by `bootmedic watch` and the service: boot it, follow every
// later reboot, and (when healing is allowed) take each failed or stalled boot through an
// incident. Without healing a failure is reported (its boot events and outcome) and
// nothing is acted on: the supervision stops the failed VM and the loop ends.

export type WatchVmOptions = Readonly<{
  spec: VmSpec;
  app: AppConfig;
  deps: SupervisorDeps;
  incidents: IncidentStore;
  signal: AbortSignal;
  /** Diagnose and heal failed boots (and resume an incident an earlier run left open). */
  heal: boolean;
  onBoot?: (e: SupervisorEvent) => void;
  onHeal?: (e: HealEvent) => void;
  onConsoleLine?: SuperviseOptions['onConsoleLine'];
}>;

/** How a VM's watch ended: the incidents' ends (heal mode) and every boot outcome seen. */
export type WatchEnd = { incidents: HealResult['outcome'][]; outcomes: BootOutcome[] };

/** A failed or stalled boot (not a power-off the guest asked for, not an interruption). */
export const isFailure = (o: BootOutcome): boolean => o.status !== 'ready' && !isNoVerdict(o.status) && o.cause !== 'guest-shutdown';

async function followAndHeal(o: WatchVmOptions, target: QemuHealTarget, resume: boolean): Promise<HealResult['outcome'][]> {
  const ends: HealResult['outcome'][] = [];
  const heal = (outcome?: BootOutcome) =>
    healBoot({ target, ...(outcome !== undefined ? { outcome } : {}), deps: o.deps, incidents: o.incidents, signal: o.signal, ...(o.onHeal ? { onEvent: o.onHeal } : {}) });
  let out: BootOutcome | undefined;
  if (resume) {
    // Finish the open incident first (its last step is verified, not repeated).
    const h = await heal();
    ends.push(h.result.outcome);
    if (h.result.outcome !== 'recovered') return ends;
    const all = (await target.pending()) ?? [];
    const last = all.at(-1);
    out = last !== undefined && isFailure(last) && all.length > 1 ? last : undefined;
    if (out === undefined) return ends;
  } else {
    out = await target.boot(o.signal);
  }
  while (out !== undefined && !o.signal.aborted) {
    if (isFailure(out)) {
      const h = await heal(out);
      ends.push(h.result.outcome);
      if (h.result.outcome !== 'recovered') break;
    }
    // Follow the (healed) VM until it ends; a later boot that fails opens a new incident.
    const all = (await target.pending()) ?? [];
    const last = all.at(-1);
    out = last !== undefined && last !== out && isFailure(last) ? last : undefined;
  }
  await target.pending()?.catch(() => undefined);
  return ends;
}

/**
 * Follows one VM until it ends or `signal` aborts (which stops its QEMU); with `heal`,
 * heals each failed or stalled boot, every step journalled and in the ledger.
 * @example
 * const end = await watchVm({ spec, app, deps: rt, incidents, signal, heal: true, onBoot: print });
 */
export async function watchVm(o: WatchVmOptions): Promise<WatchEnd> {
  const outcomes: BootOutcome[] = [];
  const onBoot = (e: SupervisorEvent) => {
    if (e.type === 'outcome') outcomes.push(e.outcome);
    o.onBoot?.(e);
  };
  if (!o.heal) {
    await superviseVm(o.spec, o.deps, { mode: 'watch', signal: o.signal, onEvent: onBoot, ...(o.onConsoleLine ? { onConsoleLine: o.onConsoleLine } : {}) });
    return { incidents: [], outcomes };
  }
  // An incident left open by an earlier run resumes on the configuration its remedies left.
  const resume = openIncidentOf(o.incidents, o.spec.name) !== undefined;
  const target = createQemuHealTarget({ spec: o.spec, app: o.app, deps: o.deps, mode: 'watch', onEvent: onBoot, resume, ...(o.onConsoleLine ? { onConsoleLine: o.onConsoleLine } : {}) });
  try {
    return { incidents: await followAndHeal(o, target, resume), outcomes };
  } finally {
    target.close();
  }
}
