import { z } from 'zod';
import { found, route } from '../route.ts';
import { DrillDetail, DrillRequest, DrillSummary, IdParams } from '../schemas.ts';

export const drillRoutes = [
  route({
    method: 'post', path: '/api/v1/drills', auth: 'operator', tag: 'drills', body: DrillRequest, status: 202, errors: [409],
    summary: 'Start a drill: seeded faults injected into real VMs, diagnosed and healed. Its progress comes on /api/v1/events.',
    ok: { description: 'The drill, started.', json: DrillSummary },
    handle: ({ deps, body, c }) => c.json(deps.service.startDrill({ scenarios: body.scenarios, seed: body.seed, ...(body.quick === true ? { quick: true } : {}) }), 202),
  }),
  route({
    method: 'get', path: '/api/v1/drills', auth: 'viewer', tag: 'drills',
    summary: 'The drills this service ran or runs.',
    ok: { description: 'Drills.', json: z.array(DrillSummary) },
    handle: ({ deps }) => deps.service.drills(),
  }),
  route({
    method: 'get', path: '/api/v1/drills/:id', auth: 'viewer', tag: 'drills', params: IdParams,
    summary: "One drill: its progress, and its report once done.",
    ok: { description: 'The drill.', json: DrillDetail },
    handle: ({ deps, params }) => found(deps.service.drill(params.id), 'drill', params.id),
  }),
];
