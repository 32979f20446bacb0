import { loadVmSpec } from '../../config/index.ts';
import type { HealEvent } from '../../heal/index.ts';
import { openIncidents } from '../../recovery/index.ts';
import { watchVm } from '../../service/index.ts';
import { isNoVerdict, type SupervisorEvent } from '../../supervisor/index.ts';
import type { Command } from '../command.ts';
import { openRuntime } from '../compose.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { outcomeJson, renderEvent } from '../render-boot.ts';
import { renderHeal } from '../render-heal.ts';
import { paint } from '../style.ts';
import { usageError } from '../errors.ts';
import { boundJson } from '../../core/index.ts';

const usage = 'bootmedic watch <vm.yaml>... [--heal] [--json] [--home DIR] | bootmedic watch --libvirt [URI] [--heal] [--json] [--home DIR]';

export const command: Command = {
  name: 'watch',
  summary: 'Boot VMs and follow every later reboot, reporting each boot as it happens; with --heal, diagnose and heal each failed or stalled boot (every step in the ledger). Ctrl-C stops the VMs cleanly. With --libvirt [URI] (default qemu:///system), follow every domain of a libvirt URI that has a serial log instead; with --heal, heal only the domains their owners opted in (<bootmedic:heal> in the domain metadata).',
  usage,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean', default: false }, heal: { type: 'boolean', default: false }, libvirt: { type: 'boolean', default: false } }, usage);
    if (values.libvirt) {
      // Without --heal the watch never acts; with it, only domains their owners opted in are healed.
      if (positionals.length > 1) usageError('watch --libvirt takes one libvirt URI (default qemu:///system)', usage);
      const { watchLibvirtCommand } = await import('./watch-libvirt.ts');
      return watchLibvirtCommand(positionals[0], values.json, ctx, values.heal);
    }
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
        if (e.type === 'outcome') ctx.stdout.write(boundJson({ type: 'outcome', ...outcomeJson(e.outcome) }, { see: e.outcome.consoleLog, indent: 0 }));
        else ctx.stdout.write(`${JSON.stringify(e)}\n`);
        return;
      }
      const line = renderEvent(e, p);
      if (line !== undefined) ctx.stdout.write(`${line}\n`);
    };
    let worst: number = EXIT.ok;
    const printHeal = (vm: string) => (e: HealEvent) => {
      if (values.json) ctx.stdout.write(`${JSON.stringify({ type: 'heal', vm, event: e })}\n`);
      else {
        const line = renderHeal(vm, e);
        if (line !== undefined) ctx.stdout.write(`${p.bold('heal')} ${line}\n`);
      }
    };
    const inc = openIncidents(ctx.app.home);
    try {
      const results = await Promise.allSettled(
        specs.map((s) => watchVm({ spec: s, app: ctx.app, deps: rt, incidents: inc.incidents, signal: ctx.signal, heal: values.heal, onBoot: print, onHeal: printHeal(s.name) })),
      );
      for (const r of results) {
        if (r.status === 'rejected') throw r.reason;
        // With --heal a failure counts when its incident did not end recovered; without, every failed boot counts.
        if (values.heal ? r.value.incidents.some((x) => x !== 'recovered' && x !== 'shutdown') : r.value.outcomes.some((o) => o.status !== 'ready' && !isNoVerdict(o.status))) worst = EXIT.failed;
      }
      return ctx.signal.aborted ? EXIT.interrupted : worst;
    } finally {
      inc.close();
      await rt.close();
    }
  },
};
