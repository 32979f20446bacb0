import type { IncidentStore } from '../heal/index.ts';
import { openStore } from '../store/index.ts';

// Incidents live in the embedded store (bootmedic.db, beside the boot history), so a
// restarted bootmedic resumes an open incident instead of forgetting or repeating it.

/** Opens the incident store of a home. */
export function openIncidents(home: string): { incidents: IncidentStore; close(): void } {
  const store = openStore({ home });
  return { incidents: store.incidents, close: store.close };
}
