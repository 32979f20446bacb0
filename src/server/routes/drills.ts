import { z } from 'zod';
import { found, notFound, route } from '../route.ts';
import { drillReportFile, REPORT_CSP } from '../report-files.ts';
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
  ...(['html', 'md'] as const).map((ext) =>
    route({
      method: 'get', path: `/api/v1/drills/:id/report.${ext}`, auth: 'viewer', tag: 'drills', params: IdParams, errors: [404],
      summary: `A finished drill's ${ext === 'html' ? 'HTML report (served sandboxed: no scripts, its inline styles only)' : 'Markdown report'}.`,
      ok: { description: `The ${ext === 'html' ? 'HTML' : 'Markdown'} report.`, contentType: ext === 'html' ? 'text/html' : 'text/markdown' },
      handle: ({ deps, params, c }) => {
        // Only a drill the service lists, and only once it is done; the file is under <home>/drills/<its id>/.
        const d = found(deps.service.drill(params.id), 'drill', params.id);
        if (d.status !== 'done') throw notFound(`report of drill (still ${d.status})`, d.id);
        const text = drillReportFile(deps.service.home, d.id, ext);
        return c.body(text, 200, {
          'content-type': ext === 'html' ? 'text/html; charset=utf-8' : 'text/markdown; charset=utf-8',
          ...(ext === 'html' ? { 'content-security-policy': REPORT_CSP } : {}),
        });
      },
    }),
  ),
];
