import { fileURLToPath } from 'node:url';
import { loadVmSpec } from '../../config/index.ts';
import { superviseVm, type BootOutcome } from '../../supervisor/index.ts';
import type { Command } from '../command.ts';
import { openRuntime } from '../compose.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { outcomeJson, paint, renderEvent } from '../render-boot.ts';

const usage = 'bootmedic run [--json] [--home DIR]';

// The embedded defaults: a good boot first (so stall budgets are learned from it), then
// one VM per kind of failure a tiny guest can show. Each is a real QEMU boot.
const DEFAULT_VMS = ['tiny.yaml', 'faults/panic.yaml', 'faults/shell.yaml', 'faults/wrong-root.yaml', 'faults/bootloop.yaml', 'faults/hang.yaml'];

export const command: Command = {
  name: 'run',
  summary: 'The main job on its embedded defaults: boot the example VMs (a good one and injected faults) and report each boot.',
  usage,
  async run(argv, ctx) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean', default: false } }, usage);
    const dir = fileURLToPath(new URL('../../../examples/', import.meta.url));
    const specs = DEFAULT_VMS.map((f) => loadVmSpec(dir + f));
    const rt = await openRuntime(ctx.app);
    const p = paint(ctx.app.color);
    const outcomes: BootOutcome[] = [];
    try {
      for (const spec of specs) {
        if (ctx.signal.aborted) break;
        const [o] = await superviseVm(spec, rt, {
          mode: 'once',
          signal: ctx.signal,
          onEvent: (e) => {
            if (values.json) return;
            const line = renderEvent(e, p);
            if (line !== undefined) ctx.stdout.write(`${line}\n`);
          },
        });
        if (o !== undefined) outcomes.push(o);
        if (!values.json) ctx.stdout.write('\n');
      }
    } finally {
      await rt.close();
    }
    if (values.json) {
      ctx.stdout.write(`${JSON.stringify({ boots: outcomes.map(outcomeJson) })}\n`);
    } else {
      ctx.stdout.write(`${p.bold('summary')}\n`);
      for (const o of outcomes) ctx.stdout.write(`  ${o.vm.padEnd(12)} ${o.status.padEnd(8)} ${(o.durationMs / 1000).toFixed(2).padStart(7)} s  ${o.reason.slice(0, 90)}\n`);
      ctx.stdout.write(p.dim(`\nconsoles and outcomes are under ${ctx.app.home}/boots; 'bootmedic ledger verify' checks the record.\n`));
    }
    // The faults are on purpose: the job succeeds when every boot reached a verdict.
    return ctx.signal.aborted ? EXIT.interrupted : outcomes.length === specs.length ? EXIT.ok : EXIT.failed;
  },
};
