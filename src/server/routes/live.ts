import { z } from 'zod';
import { serverErrors } from '../errors.ts';
import { route } from '../route.ts';
import { EventsQuery, Health, Ready } from '../schemas.ts';

const LastEventId = z.string().regex(/^\d{1,15}$/, 'a sequence number (digits)').transform(Number);

export const healthRoutes = [
  route({
    method: 'get', path: '/healthz', auth: 'public', tag: 'health',
    summary: 'Answers 200 while the process runs. No token.',
    ok: { description: 'Alive.', json: Health },
    handle: () => ({ ok: true }),
  }),
  route({
    method: 'get', path: '/readyz', auth: 'public', tag: 'health', errors: [503],
    summary: 'Answers 200 once every VM source was read and the watchers started, 503 before. No token.',
    ok: { description: 'Ready.', json: Ready },
    handle: ({ deps, c }) => (deps.service.ready() ? { ready: true } : c.json({ ready: false }, 503)),
  }),
];

export const liveRoutes = [
  route({
    method: 'get', path: '/api/v1/events', auth: 'viewer', tag: 'events', query: EventsQuery, queryToken: true,
    headers: z.object({ 'last-event-id': LastEventId.optional().describe('The id of the last event the client got (EventSource sends it when it reconnects).') }),
    summary:
      'Live events as Server-Sent Events: `id` is the sequence number, `event` the kind (boot, heal, console, vm-state, drill, drill-end, ledger), `data` the stamped event as JSON. Send Last-Event-ID to resume; `event: reload` means some events were lost (reload from the API). A comment line every 15 s keeps the connection open.',
    ok: { description: 'The event stream.', contentType: 'text/event-stream' },
    handle: ({ deps, query, headers }) => {
      const since = headers['last-event-id'];
      return deps.events.open({ ...(since !== undefined ? { since } : {}), ...(query.vm !== undefined ? { vm: query.vm } : {}) });
    },
  }),
  route({
    method: 'get', path: '/api/v1/openapi.json', auth: 'viewer', tag: 'meta',
    summary: 'This document: OpenAPI 3.1, generated from the schemas that validate the requests.',
    ok: { description: 'The OpenAPI document.', json: z.looseObject({ openapi: z.string() }) },
    handle: ({ deps }) => deps.openapi(),
  }),
];

export const metricsRoutes = [
  route({
    method: 'get', path: '/metrics', auth: 'viewer', tag: 'metrics',
    summary: 'Prometheus metrics (text exposition format).',
    ok: { description: 'The metrics.', contentType: 'text/plain; version=0.0.4' },
    handle: async ({ deps, c }) => {
      if (deps.metrics === undefined) throw serverErrors.make('SERVER_NOT_FOUND', 'this server has no metrics');
      const text = await deps.metrics.render();
      return c.body(text, 200, { 'content-type': deps.metrics.contentType });
    },
  }),
];
