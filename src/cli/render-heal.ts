import { assertNever } from '../core/index.ts';
import type { HealEvent } from '../heal/index.ts';

// Heal events as human lines, for every command that shows them (watch, watch --libvirt, run).

/** One heal event as a human line. */
export function renderHeal(vm: string, e: HealEvent): string | undefined {
  switch (e.type) {
    case 'incident-opened':
      return `${vm}: incident ${e.incidentId} opened`;
    case 'incident-resumed':
      return `${vm}: incident ${e.incidentId} resumed after ${e.completedSteps} completed step(s)`;
    case 'diagnosis':
      return `${vm}: diagnosis ${e.causes.slice(0, 3).map((c) => `${c.cause} ${(c.probability * 100).toFixed(0)}%`).join(', ')} (${e.summary})`;
    case 'action':
      return `${vm}: remedy ${e.seq}: ${e.remedy} (attempt ${e.attempt})`;
    case 'forensic-snapshot':
      return `${vm}: forensic copy before step ${e.seq}: ${e.ref}`;
    case 'result':
      return `${vm}: remedy ${e.seq} ${e.remedy}: ${e.fixed ? 'fixed, the VM is ready' : `${e.status}${e.reason ? ` (${e.reason})` : ''}`}`;
    case 'guardrail':
      return `${vm}: guardrail ${e.rule}: ${e.detail}`;
    case 'hand-over':
      return `${vm}: handed over to a human: ${e.reason}`;
    case 'incident-closed':
      return `${vm}: incident ${e.incidentId} closed: ${e.status}${e.mttrMs !== undefined ? ` (MTTR ${(e.mttrMs / 1000).toFixed(1)} s, by ${e.fixedBy})` : ''}`;
    case 'plan':
      return undefined;
    default:
      assertNever(e, 'heal event');
  }
}
