import { loadVmSpec } from '../../config/index.ts';
import { superviseVm } from '../../supervisor/index.ts';
import type { Command } from '../command.ts';
import { openRuntime } from '../compose.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { outcomeJson, paint, renderEvent } from '../render-boot.ts';
import { usageError } from '../errors.ts';

const usage = 'bootmedic boot <vm.yaml> [--json] [--home DIR]';

export const command: Command = {
  name: 'boot',
  summary: 'Boot a VM once; print its phase timeline and outcome (ready, failed or stalled) with the reason and evidence.',
  usage,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean', default: false } }, usage);
    if (positionals.length !== 1) usageError('boot takes exactly one VM file', usage);
    const spec = loadVmSpec(positionals[0]!);
    const rt = await openRuntime(ctx.app);
    const p = paint(ctx.app.color);
    try {
      const [outcome] = await superviseVm(spec, rt, {
        mode: 'once',
        signal: ctx.signal,
        onEvent: (e) => {
          if (values.json) return;
          const line = renderEvent(e, p);
          if (line !== undefined) ctx.stdout.write(`${line}\n`);
        },
      });
      if (outcome === undefined) return EXIT.interrupted;
      if (values.json) ctx.stdout.write(`${JSON.stringify(outcomeJson(outcome))}\n`);
      return outcome.status === 'ready' ? EXIT.ok : outcome.status === 'stalled' ? EXIT.stalled : EXIT.failed;
    } finally {
      await rt.close();
    }
  },
};
