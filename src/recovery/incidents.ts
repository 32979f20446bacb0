import type { IncidentStore } from '../heal/index.ts';
import { incidentRepo, incidentsMigration } from '../store/incidents.ts';
import { openSqlite } from '../store/sqlite.ts';

// Incidents live in the embedded store. Until store/'s Store carries the incident
// repository (a request to its owner), they are kept in their own SQLite file in the
// home, <home>/incidents.db, with the same schema and the same durability settings.

/** Opens the incident store of a home. */
export function openIncidents(home: string): { incidents: IncidentStore; close(): void } {
  const h = openSqlite(home, [incidentsMigration], 'incidents.db');
  return { incidents: incidentRepo(h.db), close: h.close };
}
