import { z } from 'zod';
import { found, notFound, route } from '../route.ts';
import { BootSummary, LimitQuery, VmParams, VmSummary } from '../schemas.ts';
import { bootSummary } from './boots.ts';

export const vmRoutes = [
  route({
    method: 'get', path: '/api/v1/vms', auth: 'viewer', tag: 'vms',
    summary: 'Every VM with its state and last verdict, failed ones first.',
    ok: { description: 'The fleet.', json: z.array(VmSummary) },
    handle: ({ deps }) => deps.service.fleet(),
  }),
  route({
    method: 'get', path: '/api/v1/vms/:name', auth: 'viewer', tag: 'vms', params: VmParams,
    summary: 'One VM.',
    ok: { description: 'The VM.', json: VmSummary },
    handle: ({ deps, params }) => found(deps.service.vm(params.name), 'VM', params.name),
  }),
  route({
    method: 'get', path: '/api/v1/vms/:name/boots', auth: 'viewer', tag: 'vms', params: VmParams, query: LimitQuery,
    summary: "A VM's boots, newest first.",
    ok: { description: 'Its boot history.', json: z.array(BootSummary) },
    handle: ({ deps, params, query }) => {
      if (deps.service.vm(params.name) === undefined && deps.service.store.boots.recent(params.name, 1).length === 0) throw notFound('VM', params.name);
      return deps.service.store.boots.recent(params.name, query.limit).map(bootSummary);
    },
  }),
];
