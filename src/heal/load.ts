import { isClosed, parseIncident, parseSteps, replay, type IncidentState } from './incident-state.ts';
import type { IncidentStore } from './types.ts';

// Reading an incident back: the store's records, validated, replayed. Every question about
// an incident (is it open, what was tried, how many attempts are left) is answered from
// the state these return.

/** The state of a stored incident (one the caller knows exists). */
export function incidentState(store: Pick<IncidentStore, 'get' | 'steps'>, incidentId: string): IncidentState {
  const raw = store.get(incidentId);
  if (raw === undefined) throw new Error(`incident ${incidentId} is not in the store`);
  const incident = parseIncident(raw);
  return replay(incident, parseSteps(incident.id, store.steps(incident.id)));
}

/** The state of the VM's open incident, if it has one (a healed incident not yet closed counts as open). */
export function openIncidentOf(store: Pick<IncidentStore, 'findOpen' | 'get' | 'steps'>, vm: string): IncidentState | undefined {
  const candidate = store.findOpen(vm);
  if (candidate === undefined) return undefined;
  const state = incidentState(store, candidate.id);
  return isClosed(state) ? undefined : state;
}
