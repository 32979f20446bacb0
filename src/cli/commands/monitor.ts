// `bootmedic monitor host [--json]`: one round of the host collectors, each with its
// figures or why it has nothing to read here. Rates (page faults, steal) need two
// readings, so the round is taken one second after a first reading.
import { setTimeout as sleep } from 'node:timers/promises';
import { createCollector, HOST_COLLECTORS, type HostCollectorKind, type Outcome, type Sample } from '../../monitor/index.ts';
import { assertNever } from '../../core/index.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { usageError } from '../errors.ts';

const usage = 'bootmedic monitor host [--json]';

const labelText = (s: Sample) => {
  const l = Object.entries(s.labels ?? {});
  return l.length === 0 ? '' : `{${l.map(([k, v]) => `${k}=${v}`).join(',')}}`;
};

function human(host: Readonly<Record<HostCollectorKind, Outcome>>): string {
  const out: string[] = [];
  for (const kind of Object.keys(HOST_COLLECTORS) as HostCollectorKind[]) {
    const o = host[kind];
    switch (o.type) {
      case 'ok':
        if (o.samples.length === 0) out.push(`${kind.padEnd(8)} (no figures yet)`);
        for (const s of o.samples) out.push(`${kind.padEnd(8)} ${`${s.name}${labelText(s)}`.padEnd(64)} ${Number.isInteger(s.value) ? s.value : s.value.toFixed(4)}`);
        break;
      case 'unavailable':
        out.push(`${kind.padEnd(8)} not available on this host: ${o.reason}`);
        break;
      case 'failed':
        out.push(`${kind.padEnd(8)} failed: ${o.error.code}: ${o.error.message}`);
        break;
      default:
        assertNever(o, 'collector outcome');
    }
  }
  return `${out.join('\n')}\n`;
}

function json(at: number, host: Readonly<Record<HostCollectorKind, Outcome>>): string {
  const collectors = Object.fromEntries(
    Object.entries(host).map(([kind, o]) => [
      kind,
      o.type === 'ok' ? { status: 'ok', samples: o.samples } : o.type === 'unavailable' ? { status: 'unavailable', reason: o.reason } : { status: 'failed', code: o.error.code, message: o.error.message },
    ]),
  );
  return `${JSON.stringify({ at: new Date(at).toISOString(), collectors })}\n`;
}

export const command: Command = {
  name: 'monitor',
  summary: "Show one round of the host's metrics (pressure, faults, memory, steal, EDAC, SMART, SYN_RECV, run queues, KVM), and what this host cannot give.",
  usage,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean', default: false } }, usage);
    const [what, ...rest] = positionals;
    if (what !== 'host') usageError(what === undefined ? 'monitor needs what to show: host' : `unknown monitor view '${what}' (known: host)`, usage);
    if (rest.length > 0) usageError(`monitor host takes no arguments, got '${rest.join(' ')}'`, usage);
    const collector = createCollector();
    await collector.round();
    try {
      await sleep(1000, undefined, { signal: ctx.signal });
    } catch {
      return EXIT.interrupted;
    }
    const r = await collector.round();
    ctx.stdout.write(values.json ? json(r.at, r.host) : human(r.host));
    return EXIT.ok;
  },
};
