import { CAUSE_IDS } from '../../core/index.ts';
import { incidentState } from '../../heal/index.ts';
import type { StoredIncident } from '../../store/index.ts';
import { found, route } from '../route.ts';
import { readHandOver } from '../report-files.ts';
import { HandOver, IdParams, IncidentDetail, IncidentList, LimitQuery } from '../schemas.ts';

const iso = (ms: number) => new Date(ms).toISOString();

function topCause(diagnosis: unknown): { cause: string; probability: number } | undefined {
  const causes = (diagnosis as { causes?: unknown } | null)?.causes;
  const c = Array.isArray(causes) ? (causes[0] as { cause?: unknown; probability?: unknown } | undefined) : undefined;
  return c !== undefined && typeof c.cause === 'string' && typeof c.probability === 'number' ? { cause: c.cause, probability: c.probability } : undefined;
}

export const incidentRow = (i: StoredIncident) => {
  const top = topCause(i.diagnosis);
  return {
    id: i.id, vm: i.vm, status: i.status, ...(i.bootId !== undefined ? { bootId: i.bootId } : {}),
    openedAt: iso(i.openedAt), detectedAt: iso(i.detectedAt),
    ...(i.closedAt !== undefined ? { closedAt: iso(i.closedAt) } : {}),
    ...(i.mttrMs !== undefined ? { mttrMs: i.mttrMs } : {}),
    ...(i.fixedBy !== undefined ? { fixedBy: i.fixedBy } : {}),
    ...(i.reason !== undefined ? { reason: i.reason } : {}),
    ...(top !== undefined ? { topCause: top } : {}),
  };
};

export const incidentRoutes = [
  route({
    method: 'get', path: '/api/v1/incidents', auth: 'viewer', tag: 'incidents', query: LimitQuery,
    summary: 'The open incidents, and the most recent ones (open or closed).',
    ok: { description: 'Incidents.', json: IncidentList },
    handle: ({ deps, query }) => {
      const repo = deps.service.store.incidents;
      // The fleet names every open incident; the recent list adds any the fleet has not seen yet.
      const recent = repo.list({ limit: query.limit });
      const open = new Map<string, StoredIncident>();
      for (const v of deps.service.fleet()) {
        const i = v.openIncident === undefined ? undefined : repo.get(v.openIncident);
        if (i !== undefined) open.set(i.id, i);
      }
      for (const i of recent) if (i.status === 'open' && !open.has(i.id)) open.set(i.id, i);
      return { open: [...open.values()].map(incidentRow), recent: recent.map(incidentRow) };
    },
  }),
  route({
    method: 'get', path: '/api/v1/incidents/:id', auth: 'viewer', tag: 'incidents', params: IdParams,
    summary: 'One incident: its steps, the posterior with its explanation, the remedies tried and their results.',
    ok: { description: 'The incident.', json: IncidentDetail },
    handle: ({ deps, params }) => {
      const repo = deps.service.store.incidents;
      const row = found(repo.get(params.id), 'incident', params.id);
      const s = incidentState(repo, row.id);
      const posterior = s.posterior.map((p, i) => ({ cause: CAUSE_IDS[i] ?? `cause${i}`, probability: p })).sort((a, b) => b.probability - a.probability);
      const steps = repo.steps(row.id).map((st) => ({
        seq: st.seq, remedy: st.remedy, state: st.state, ...(st.outcome !== undefined ? { outcome: st.outcome } : {}),
        startedAt: iso(st.startedAt), ...(st.finishedAt !== undefined ? { finishedAt: iso(st.finishedAt) } : {}),
        ...(st.detail !== undefined ? { detail: st.detail } : {}),
      }));
      return {
        ...incidentRow(row),
        state: s.type,
        posterior,
        diagnosis: { causes: s.diagnosis.causes.map((c) => ({ cause: c.cause, probability: c.probability })), explanation: s.diagnosis.explanation },
        steps,
        attempts: s.attempts,
        forensics: [...s.forensics],
      };
    },
  }),
  route({
    method: 'get', path: '/api/v1/incidents/:id/handover', auth: 'viewer', tag: 'incidents', params: IdParams, errors: [404],
    summary: 'The hand-over report of an incident that healing gave to a human (404 when it has none).',
    ok: { description: 'The hand-over report.', json: HandOver },
    // The file is found through the incident the store knows, under the service's home.
    handle: ({ deps, params }) => readHandOver(deps.service.home, found(deps.service.store.incidents.get(params.id), 'incident', params.id).id),
  }),
];
