// Findings of rules with a recovery (kb/boot-chain.json `recovery`): held until the boot
// reaches the recovery's phase, then handed on with its lower severity, or handed on as
// they are when the boot shows it will not get there.
import type { Rule } from './kb.ts';
import { phaseRank as rank } from '../core/index.ts';
import type { BootPhase, Finding } from './types.ts';

type Recovery = NonNullable<Rule['recovery']>;

/** The held findings of one boot. `emit` receives each finding once, with its final severity. */
export function createRecoveryHold(maxPerRule: number) {
  let held: { f: Finding; to: Recovery }[] = [];
  return {
    /** Holds `f` when the boot (now in `phase`) has yet to reach its recovery; false when it is to be reported now. */
    hold(f: Finding, to: Recovery | undefined, phase: BootPhase): boolean {
      if (to === undefined || rank(phase) >= rank(to.reaches)) return false;
      // At most as many per rule as would be reported.
      if (held.filter((h) => h.f.id === f.id).length < maxPerRule) held.push({ f, to });
      return true;
    },
    /** Hands on, lowered, the held findings whose recovery phase `reached` is; `ev` is the line that showed it. */
    settle(reached: BootPhase, ev: { line: number; text: string } | undefined, emit: (f: Finding) => void): void {
      if (held.length === 0) return;
      const still: typeof held = [];
      for (const h of held) {
        if (rank(reached) < rank(h.to.reaches)) {
          still.push(h);
          continue;
        }
        h.f.recovered = ev === undefined ? { from: h.f.severity, phase: reached } : { from: h.f.severity, phase: reached, evidence: { ...ev } };
        h.f.severity = h.to.severity;
        emit(h.f);
      }
      held = still;
    },
    /** Hands on every held finding as it is (its boot did not get far enough). */
    release(emit: (f: Finding) => void): void {
      if (held.length === 0) return;
      const all = held;
      held = [];
      for (const h of all) emit(h.f);
    },
  };
}
