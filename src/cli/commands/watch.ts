import { loadVmSpec } from '../../config/index.ts';
import { superviseVm, type SupervisorEvent } from '../../supervisor/index.ts';
import type { Command } from '../command.ts';
import { openRuntime } from '../compose.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { outcomeJson, paint, renderEvent } from '../render-boot.ts';
import { usageError } from '../usage-error.ts';

const usage = 'bootmedic watch <vm.yaml>... [--json] [--home DIR]';

export const command: Command = {
  name: 'watch',
  summary: 'Boot VMs and follow every later reboot, reporting each boot as it happens (human lines or JSON lines); Ctrl-C stops the VMs cleanly.',
  usage,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean', default: false } }, usage);
    if (positionals.length === 0) usageError('watch needs at least one VM file', usage);
    // Validate every file before booting any VM: a typo should not leave half a fleet up.
    const specs = positionals.map((p) => loadVmSpec(p));
    const names = new Set<string>();
    for (const s of specs) {
      if (names.has(s.name)) usageError(`two VM files use the name '${s.name}'`, usage);
      names.add(s.name);
    }
    const rt = await openRuntime(ctx.app);
    const p = paint(ctx.app.color);
    const print = (e: SupervisorEvent) => {
      if (values.json) {
        if (e.type === 'outcome') ctx.stdout.write(`${JSON.stringify({ type: 'outcome', ...outcomeJson(e.outcome) })}\n`);
        else ctx.stdout.write(`${JSON.stringify(e)}\n`);
        return;
      }
      const line = renderEvent(e, p);
      if (line !== undefined) ctx.stdout.write(`${line}\n`);
    };
    let worst: number = EXIT.ok;
    try {
      const results = await Promise.allSettled(specs.map((s) => superviseVm(s, rt, { mode: 'watch', signal: ctx.signal, onEvent: print })));
      for (const r of results) {
        if (r.status === 'rejected') throw r.reason;
        for (const o of r.value) if (o.status !== 'ready') worst = EXIT.failed;
      }
      return ctx.signal.aborted ? EXIT.interrupted : worst;
    } finally {
      await rt.close();
    }
  },
};
