import { fileURLToPath } from 'node:url';
import { loadVmSpec } from '../../config/index.ts';
import { superviseVm } from '../../supervisor/index.ts';
import type { Command } from '../command.ts';
import { openRuntime } from '../compose.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { outcomeJson, renderEvent } from '../render-boot.ts';
import { paint, table } from '../style.ts';
import { executeDrill } from './drill.ts';

const usage = 'bootmedic run [--json] [--home DIR]';

// The embedded defaults: one good boot of the tiny guest (watched phase by phase), then a
// short seeded demo drill: four quick faults (seed 2: a bad root=, a guest kernel panic,
// too little memory, a missing kernel) injected into real VMs, each detected,
// diagnosed and healed to ready (or handed over), ending with the report's location.
const DEMO = { scenarios: 4, seed: 2, parallel: 1, quick: true } as const;

export const command: Command = {
  name: 'run',
  summary: 'The main job on its embedded defaults: boot the tiny guest once, then run a short demo drill (4 seeded faults healed on real VMs) and point to its report.',
  usage,
  async run(argv, ctx) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean', default: false } }, usage);
    const spec = loadVmSpec(fileURLToPath(new URL('../../../examples/tiny.yaml', import.meta.url)));
    const p = paint(ctx.app.color);
    const rt = await openRuntime(ctx.app);
    let boot;
    try {
      [boot] = await superviseVm(spec, rt, {
        mode: 'once',
        signal: ctx.signal,
        onEvent: (e) => {
          if (values.json) return;
          const line = renderEvent(e, p);
          if (line !== undefined) ctx.stdout.write(`${line}\n`);
        },
      });
    } finally {
      await rt.close();
    }
    if (boot === undefined || ctx.signal.aborted) return EXIT.interrupted;
    if (!values.json) ctx.stdout.write(`\n${p.bold('demo drill')}: ${DEMO.scenarios} seeded faults on copies of the tiny guest, each healed to ready or handed over\n`);
    const { report, files } = await executeDrill(ctx.app, DEMO, ctx);
    const t = report.totals;
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify({ boot: outcomeJson(boot), drill: { id: report.id, ...t }, report: files })}\n`);
    } else {
      const pc = (x: number) => `${(x * 100).toFixed(0)}%`;
      ctx.stdout.write(`\n${p.bold('summary')}\n`);
      const rows = [
        ['clean boot', boot.status, `${(boot.durationMs / 1000).toFixed(2)} s`],
        ...report.scenarios.map((s) => [s.name, s.outcome, `diagnosed ${s.topCause ?? '-'}`, s.mttrMs !== undefined ? `MTTR ${(s.mttrMs / 1000).toFixed(1)} s` : '']),
      ];
      for (const l of table(rows, { indent: '  ' })) ctx.stdout.write(`${l.trimEnd()}\n`);
      ctx.stdout.write(`  detection ${pc(t.detectionRate)}, top-1 diagnosis ${pc(t.top1Accuracy)}, recovery ${pc(t.recoveryRate)}, median MTTR ${t.mttrMedianMs === null ? '-' : `${(t.mttrMedianMs / 1000).toFixed(1)} s`}\n`);
      ctx.stdout.write(`\nreport: ${files.html}\n        ${files.md}\n${p.dim("every boot, diagnosis and remedy is in the ledger; 'bootmedic ledger verify' checks it.")}\n`);
    }
    if (ctx.signal.aborted) return EXIT.interrupted;
    return boot.status === 'ready' && report.scenarios.every((s) => s.ok) ? EXIT.ok : EXIT.failed;
  },
};
