import { existsSync } from 'node:fs';
import { createServer as netServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertNever, readGuardedText, writeFileAtomic } from '../../core/index.ts';
import { createToken, DEFAULT_LISTEN, listTokens, parseListen, revokeToken, startServe, type Serving } from '../../server/index.ts';
import { createService, parseServiceConfig, type Service, type Stamped } from '../../service/index.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { renderHeal } from '../render-heal.ts';
import { renderEvent } from '../render-boot.ts';
import { paint, table, type Paint } from '../style.ts';

const usage = 'bootmedic run [--once] [--listen HOST:PORT] [--json] [--home DIR]';

const HELP = `The main job on its embedded defaults: bootmedic as a service (the API, the live dashboard,
/metrics) watching two demo VMs of the tiny guest: 'tiny' boots to ready, 'tiny-low-memory'
has too little memory, fails on a kernel panic and is healed (more memory, proved by a boot
to ready). Then a short seeded demo drill (4 quick faults on copies of the tiny guest), whose
report the dashboard shows. Prints the dashboard's URL and a viewer token, then serves until
Ctrl-C; --once stops after the demo instead. Listens on ${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port}, or a free port when that one is taken.`;

const DEMO_DRILL = { scenarios: 4, seed: 2, quick: true } as const;
const examples = (f: string) => fileURLToPath(new URL(`../../../examples/${f}`, import.meta.url));
const DEMO_VMS = [examples('tiny.yaml'), examples('faults/low-memory.yaml')];

/** True when nothing listens on host:port now (the demo then takes the usual port). */
const portFree = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const s = netServer();
    s.once('error', () => resolve(false));
    s.listen(port, host, () => s.close(() => resolve(true)));
  });

/**
 * A fresh viewer token for this run; the previous run's token is revoked, so runs do not pile
 * tokens up (tokens are kept hashed: an old one cannot be shown again).
 */
function demoToken(home: string): string {
  const keep = join(home, 'run-token-id');
  if (existsSync(keep)) {
    const old = readGuardedText(keep, { what: 'the demo token id', maxBytes: 4096 }).trim();
    if (listTokens(home).some((t) => t.id === old)) revokeToken(home, old);
  }
  const made = createToken(home, 'viewer');
  writeFileAtomic(keep, `${made.id}\n`);
  return made.token;
}

/** Resolves once `done` says so over the hub's events (checked at each event and at once), or the signal aborts. */
function until(service: Service, signal: AbortSignal, done: () => boolean, onEvent: (e: Stamped) => void): Promise<void> {
  return new Promise((resolve) => {
    const finish = () => {
      sub.unsubscribe();
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const sub = service.hub.subscribe((e) => {
      onEvent(e);
      if (done()) finish();
    });
    signal.addEventListener('abort', finish, { once: true });
    if (done() || signal.aborted) finish();
  });
}

/** One demo event as a human line, or nothing. */
function line(e: Stamped, p: Paint): string | undefined {
  const ev = e.event;
  switch (ev.kind) {
    case 'boot': {
      // Two VMs boot at once: each line names its VM (boot-start lines already do).
      const b = ev.event;
      if (b.type !== 'phase' && b.type !== 'verdict' && b.type !== 'boot-start') return undefined;
      const l = renderEvent(b, p);
      return l === undefined || b.type === 'boot-start' ? l : `${ev.vm}  ${l.trimStart()}`;
    }
    case 'heal': {
      // The demo shows an incident's diagnosis, remedies and end; watch shows every step.
      const h = ev.event;
      if (h.type !== 'diagnosis' && h.type !== 'action' && h.type !== 'incident-closed') return undefined;
      const l = renderHeal(ev.vm, h);
      return l === undefined ? undefined : `${p.bold('heal')} ${l}`;
    }
    case 'drill':
      return ev.progress.last !== undefined ? `drill ${ev.progress.done}/${ev.progress.total} ${ev.progress.last.name}: ${ev.progress.last.outcome}` : undefined;
    case 'console':
    case 'vm-state':
    case 'drill-end':
    case 'ledger':
      return undefined;
    default:
      return assertNever(ev, 'service event');
  }
}

export const command: Command = {
  name: 'run',
  summary: 'The main job on its embedded defaults: the service with its dashboard, two demo VMs (one fails and is healed) and a short demo drill; serves until Ctrl-C (--once: stop after the demo).',
  usage: `${usage}\n\n${HELP}`,
  async run(argv, ctx) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean', default: false }, once: { type: 'boolean', default: false }, listen: { type: 'string' } }, usage);
    const p = paint(ctx.app.color);
    const out = (s: string) => {
      if (!values.json) ctx.stdout.write(`${s}\n`);
    };
    const wanted = values.listen !== undefined ? parseListen(values.listen) : DEFAULT_LISTEN;
    const listen = values.listen === undefined && !(await portFree(wanted.host, wanted.port)) ? { host: wanted.host, port: 0 } : wanted;
    const config = parseServiceConfig(
      { listen: `${listen.host}:${listen.port}`, vms: { files: DEMO_VMS }, heal: { enabled: true } },
      { where: 'the embedded demo config', baseDir: ctx.app.home, home: ctx.app.home },
    );
    const logs: string[] = [];
    let serving: Serving;
    try {
      serving = await startServe(
        { app: ctx.app, server: { listen }, log: (l) => logs.push(JSON.stringify(l)) },
        async ({ app }) => ({ service: await createService(app, config, {}), config, tokenFile: config.tokens }),
      );
    } catch (e) {
      for (const l of logs) ctx.stderr.write(`${l}\n`);
      throw e;
    }
    const { service, url } = serving;
    try {
      const token = demoToken(ctx.app.home);
      out(`${p.bold('bootmedic')} serving at ${url}/`);
      out(`  dashboard     ${url}/#token=${token}`);
      out(`  viewer token  ${token}`);
      out(`  API           ${url}/api/v1/vms   (Authorization: Bearer <token>)`);
      out(`  metrics       ${url}/metrics\n`);
      out(`${p.bold('demo VMs')}: 'tiny' boots to ready; 'tiny-low-memory' has too little memory, fails and is healed`);
      const print = (e: Stamped) => {
        const l = line(e, p);
        if (l !== undefined) out(l);
      };
      // The demo VMs are done when each has booted to ready (the tiny guest then powers off:
      // 'stopped' after a ready verdict), or its incident was handed over.
      const settled = () => {
        const f = service.fleet();
        return f.length === DEMO_VMS.length && f.every((v) => v.state === 'handed-over' || (v.lastVerdict?.status === 'ready' && (v.state === 'ready' || v.state === 'stopped')));
      };
      await until(service, ctx.signal, settled, print);
      if (ctx.signal.aborted) return EXIT.interrupted;

      out(`\n${p.bold('demo drill')}: ${DEMO_DRILL.scenarios} seeded faults on copies of the tiny guest, each healed to ready or handed over`);
      const drill = service.startDrill(DEMO_DRILL);
      await until(service, ctx.signal, () => service.drill(drill.id)?.status !== 'running', print);
      if (ctx.signal.aborted) return EXIT.interrupted;
      const report = service.drill(drill.id);
      const fleet = service.fleet();
      const scenarios = report?.report?.scenarios ?? [];
      const t = report?.totals;
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify({ url, token, vms: fleet, drill: report === undefined ? null : { id: report.id, status: report.status, ...(t ?? {}), files: report.files } })}\n`);
      } else {
        const pc = (x: number) => `${(x * 100).toFixed(0)}%`;
        out(`\n${p.bold('summary')}`);
        const rows = [
          ...fleet.map((v) => [v.name, v.state, v.lastVerdict !== undefined ? `${v.lastVerdict.status} in ${(v.lastVerdict.durationMs / 1000).toFixed(2)} s` : '']),
          ...scenarios.map((s) => [s.name, s.outcome, `diagnosed ${s.topCause ?? '-'}`, s.mttrMs !== undefined ? `MTTR ${(s.mttrMs / 1000).toFixed(1)} s` : '']),
        ];
        for (const l of table(rows, { indent: '  ' })) out(l.trimEnd());
        if (t !== undefined) out(`  detection ${pc(t.detectionRate)}, top-1 diagnosis ${pc(t.top1Accuracy)}, recovery ${pc(t.recoveryRate)}, median MTTR ${t.mttrMedianMs === null ? '-' : `${(t.mttrMedianMs / 1000).toFixed(1)} s`}`);
        if (report?.error !== undefined) out(`  the drill failed: ${report.error}`);
        if (report?.files !== undefined) out(`\nreport: ${report.files.html}\n        ${url}/#/drills/${report.id}`);
        out(p.dim("every boot, diagnosis and remedy is in the ledger; 'bootmedic ledger verify' checks it."));
      }
      const ok = fleet.every((v) => v.lastVerdict?.status === 'ready' && v.state !== 'handed-over') && report?.status === 'done' && scenarios.every((s) => s.ok);
      if (!values.once) {
        out(`\nthe dashboard stays up at ${url}/; Ctrl-C stops bootmedic (and any VM it runs).`);
        await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve(), { once: true })));
        // Stopping the service after the demo is its normal end.
        return ok ? EXIT.ok : EXIT.failed;
      }
      return ok ? EXIT.ok : EXIT.failed;
    } finally {
      await serving.close();
    }
  },
};
