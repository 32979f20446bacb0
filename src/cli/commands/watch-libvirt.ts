// `bootmedic watch --libvirt [URI]`: the libvirt half of the watch command. Every watchable
// domain of the URI is followed; each boot is printed as the QEMU watch prints it, plus
// lines for the domain list and for libvirtd going away and coming back.
import { assertNever } from '../../core/index.ts';
import type { HealEvent } from '../../heal/index.ts';
import { DEFAULT_URI, libvirtHealer, watchLibvirt, type LibvirtWatchEvent } from '../../libvirt/index.ts';
import { isNoVerdict } from '../../supervisor/index.ts';
import type { CommandContext } from '../command.ts';
import { openRuntime } from '../compose.ts';
import { EXIT } from '../exit-codes.ts';
import { outcomeJson, renderEvent } from '../render-boot.ts';
import { paint, type Paint } from '../style.ts';
import { renderHeal } from '../render-heal.ts';

function render(e: LibvirtWatchEvent, p: Paint): string | undefined {
  switch (e.type) {
    case 'domain':
      if (e.change === 'undefined') return `${p.bold(e.domain)}  undefined: no longer watched`;
      return e.watchable
        ? `${p.bold(e.domain)}  ${e.state}, watched (serial log ${e.serialLog})${e.optIn ? ', opted in to healing' : ', not opted in: findings only, never actions'}`
        : `${p.bold(e.domain)}  ${e.state}, ${p.yellow('not watchable')}: no serial log; add to its <devices> ('virsh edit ${e.domain}'): ${e.fixXml}`;
    case 'waiting':
      return `${p.bold(e.domain)}  waiting for its next ${e.for === 'start' ? 'start' : 'reboot or start'}`;
    case 'error':
      return `${p.bold(e.domain)}  ${e.during === 'follow' ? '' : `${e.during} failed: `}${p.red(e.code)} ${e.message}${e.fix ? ` (${e.fix})` : ''}${e.during === 'follow' ? '; not watched' : '; still watched'}`;
    case 'libvirt':
      return e.state === 'lost' ? `libvirt ${e.uri}: event streams lost (${e.reason ?? 'libvirtd restarted'}); reconnecting` : `libvirt ${e.uri}: back; catching up from domstate`;
    case 'boot-start':
    case 'phase':
    case 'finding':
    case 'reset':
    case 'verdict':
    case 'outcome':
    case 'vm-exit':
    case 'boot-abandoned':
      return renderEvent(e, p);
    default:
      return assertNever(e, 'libvirt watch event');
  }
}

/** Runs the libvirt watch until Ctrl-C/SIGTERM; exit 1 when a boot failed or stalled (and, with --heal, was not healed). */
export async function watchLibvirtCommand(uri: string | undefined, json: boolean, ctx: CommandContext, heal = false): Promise<number> {
  const rt = await openRuntime(ctx.app);
  const p = paint(ctx.app.color);
  let worst: number = EXIT.ok;
  const print = (e: LibvirtWatchEvent) => {
    if (e.type === 'outcome' && e.outcome.status !== 'ready' && !isNoVerdict(e.outcome.status)) worst = EXIT.failed;
    if (json) {
      ctx.stdout.write(`${JSON.stringify(e.type === 'outcome' ? { type: 'outcome', domain: e.domain, ...outcomeJson(e.outcome) } : e)}\n`);
      return;
    }
    const line = render(e, p);
    if (line !== undefined) ctx.stdout.write(`${line}\n`);
  };
  const healList = ctx.app.libvirtHeal !== undefined ? { healList: ctx.app.libvirtHeal } : {};
  const printHeal = (domain: string, e: HealEvent) => {
    if (json) {
      ctx.stdout.write(`${JSON.stringify({ type: 'heal', domain, event: e })}\n`);
      return;
    }
    const line = renderHeal(domain, e);
    if (line !== undefined) ctx.stdout.write(`${p.bold('heal')} ${line}\n`);
  };
  const incidents = rt.store?.incidents;
  // --heal: heal failed runs of opted-in domains, and first resume an incident a killed bootmedic left open.
  const healer = heal && incidents !== undefined ? libvirtHealer({ uri: uri ?? DEFAULT_URI, app: ctx.app, deps: rt, incidents, onHealEvent: printHeal, ...healList }) : undefined;
  try {
    await watchLibvirt({ uri: uri ?? DEFAULT_URI, deps: rt, signal: ctx.signal, onEvent: print, ...healList, ...(healer !== undefined ? { afterOutcome: healer.afterOutcome, resume: healer.resume } : {}) });
    return ctx.signal.aborted ? EXIT.interrupted : worst;
  } finally {
    await rt.close();
  }
}
