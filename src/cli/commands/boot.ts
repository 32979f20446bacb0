import { loadVmSpec } from '../../config/index.ts';
import { assertNever, boundJson } from '../../core/index.ts';
import { superviseVm, type OutcomeStatus } from '../../supervisor/index.ts';
import type { Command } from '../command.ts';
import { openRuntime } from '../compose.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { outcomeJson, renderEvent } from '../render-boot.ts';
import { paint } from '../style.ts';
import { usageError } from '../errors.ts';

const usage = 'bootmedic boot <vm.yaml> [--json] [--home DIR]';

/** The exit code of a boot's end (README's table). */
function exitFor(status: OutcomeStatus): number {
  switch (status) {
    case 'ready':
      return EXIT.ok;
    case 'stalled':
      return EXIT.stalled;
    case 'failed':
      return EXIT.failed;
    case 'interrupted':
    case 'bootmedic-died':
      return EXIT.interrupted;
    default:
      return assertNever(status, 'boot status');
  }
}

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
      if (values.json) ctx.stdout.write(boundJson(outcomeJson(outcome), { see: outcome.consoleLog, indent: 0 }));
      return exitFor(outcome.status);
    } finally {
      await rt.close();
    }
  },
};
