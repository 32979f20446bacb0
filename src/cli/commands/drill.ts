import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { ensureHome, type AppConfig } from '../../config/index.ts';
import { describeProgress, finishDrill, runDrill, type DrillGuest, type DrillReport } from '../../drill/index.ts';
import { createQemuHypervisor } from '../../hypervisor/index.ts';
import { openLedger } from '../../ledger/index.ts';
import { openIncidents } from '../../recovery/index.ts';
import { openStore } from '../../store/index.ts';
import type { Command, CommandContext } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { createProgress } from '../progress.ts';
import { usageError } from '../errors.ts';
import { guestSource } from '../../guest/index.ts';
import { createLibvirtDrillMachines, createLibvirtHypervisor, DEFAULT_URI, type LibvirtDrillMachines } from '../../libvirt/index.ts';

const usage = 'bootmedic drill [--backend qemu|libvirt] [--uri URI] [--guest tiny|debian] [--scenarios N] [--seed S] [--parallel P] [--rto SECONDS] [--quick] [--json] [--out DIR] [--home DIR]';

/** Opens the runtime a drill needs (store, ledger, incidents, QEMU), runs it, records it and writes the report. */
export async function executeDrill(
  app: AppConfig,
  o: { scenarios: number; seed: number; parallel: number; rtoSeconds?: number; quick?: boolean; out?: string; backend?: 'qemu' | 'libvirt'; uri?: string; guest?: DrillGuest },
  ctx: Pick<CommandContext, 'stderr' | 'signal'>,
): Promise<{ report: DrillReport; files: { json: string; md: string; html: string } }> {
  ensureHome(app);
  const id = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').toLowerCase()}-${randomBytes(2).toString('hex')}`;
  const dir = o.out !== undefined ? resolve(o.out) : join(app.home, 'drills', id);
  const store = openStore({ home: app.home });
  const ledger = await openLedger({ home: app.home });
  const inc = openIncidents(app.home);
  const progress = createProgress(ctx.stderr, { ci: app.ci });
  // libvirt: the scenario VMs are domains the drill defines, heals and undefines itself.
  const libvirt = o.backend === 'libvirt' ? createLibvirtHypervisor({ uri: o.uri ?? DEFAULT_URI, control: 'own' }) : undefined;
  let machines: LibvirtDrillMachines | undefined;
  try {
    const deps = { hypervisor: libvirt ?? createQemuHypervisor(app, { guests: guestSource(app) }), home: app.home, store, record: (e: { type: string; vm: string; data: unknown }) => ledger.append(e) };
    if (libvirt !== undefined) machines = await createLibvirtDrillMachines({ uri: libvirt.uri, app, deps, ...(o.guest !== undefined ? { guest: o.guest } : {}) });
    const report = await runDrill({
      ...(machines !== undefined ? { machines } : {}),
      ...(o.guest !== undefined ? { guest: o.guest } : {}),
      scenarios: o.scenarios, seed: o.seed, parallel: o.parallel, ...(o.rtoSeconds !== undefined ? { rtoSeconds: o.rtoSeconds } : {}), ...(o.quick ? { quick: true } : {}),
      app, deps, incidents: inc.incidents, dir, id: id.slice(-4), signal: ctx.signal,
      onProgress: (p) => {
        const d = describeProgress(p);
        if (d.line !== undefined) progress.line(d.line);
        if (d.status !== undefined) progress.status(d.status);
      },
    });
    progress.close();
    return await finishDrill(report, ledger);
  } finally {
    progress.close();
    await machines?.close();
    await libvirt?.close();
    inc.close();
    await ledger.close();
    store.close();
  }
}

const int = (v: string | undefined, name: string, dflt: number) => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) usageError(`--${name} must be a whole number, got '${v}'`, usage);
  return n;
};

export const command: Command = {
  name: 'drill',
  summary: 'Inject seeded faults into real VMs of the tiny guest or the Debian UEFI image (--guest debian), QEMU processes or libvirt domains the drill defines and removes (--backend libvirt), heal each to ready, and report detection, diagnosis accuracy, recovery rate and MTTR (Markdown, JSON, HTML).',
  usage,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        scenarios: { type: 'string' }, seed: { type: 'string' }, parallel: { type: 'string' }, rto: { type: 'string' },
        quick: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, out: { type: 'string' },
        backend: { type: 'string', default: 'qemu' }, uri: { type: 'string' }, guest: { type: 'string', default: 'tiny' },
      },
      usage,
    );
    if (positionals.length > 0) usageError(`drill takes no positional arguments (got '${positionals[0]}')`, usage);
    const scenarios = int(values.scenarios, 'scenarios', 10);
    const parallel = int(values.parallel, 'parallel', 1);
    if (scenarios < 1 || scenarios > 1000) usageError('--scenarios must be between 1 and 1000', usage);
    if (parallel < 1 || parallel > 8) usageError('--parallel must be between 1 and 8', usage);
    const backend = values.backend;
    if (backend !== 'qemu' && backend !== 'libvirt') usageError(`--backend must be qemu or libvirt, got '${backend}'`, usage);
    const guest = values.guest;
    if (guest !== 'tiny' && guest !== 'debian') usageError(`--guest must be tiny or debian, got '${guest}'`, usage);
    if (values.uri !== undefined && backend !== 'libvirt') usageError('--uri goes with --backend libvirt', usage);
    const rto = values.rto === undefined ? undefined : Number(values.rto);
    if (rto !== undefined && !(rto > 0)) usageError(`--rto must be a positive number of seconds, got '${values.rto}'`, usage);
    const { report, files } = await executeDrill(
      ctx.app,
      { scenarios, seed: int(values.seed, 'seed', 1), parallel, ...(rto !== undefined ? { rtoSeconds: rto } : {}), quick: values.quick, ...(values.out !== undefined ? { out: values.out } : {}), backend, guest, ...(values.uri !== undefined ? { uri: values.uri } : {}) },
      ctx,
    );
    const t = report.totals;
    if (values.json) {
      const results = report.scenarios.map((r) => ({ index: r.index, name: r.name, vm: r.vm, outcome: r.outcome, expectedOutcome: r.expectedOutcome, ok: r.ok, detected: r.detected, topCause: r.topCause ?? null, mttrMs: r.mttrMs ?? null, ...(r.error !== undefined ? { error: r.error } : {}) }));
      ctx.stdout.write(`${JSON.stringify({ id: report.id, seed: report.seed, backend, guest, ...t, results, report: files })}\n`);
    } else {
      const p = (x: number) => `${(x * 100).toFixed(1)}%`;
      const s = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)} s`);
      ctx.stdout.write(
        [
          `drill ${report.id}: ${t.scenarios} scenarios of the ${guest} guest, seed ${report.seed}, ${report.accel}`,
          `  detection ${p(t.detectionRate)}  top-1 diagnosis ${p(t.top1Accuracy)}  recovery ${p(t.recoveryRate)} (${t.recovered}/${t.recoverable})  clean hand-over ${p(t.handOverRate)} (${t.handedOver}/${t.unrecoverable})`,
          `  MTTR median ${s(t.mttrMedianMs)}  p95 ${s(t.mttrP95Ms)}  max ${s(t.mttrMaxMs)}  (one clean boot ${s(t.cleanBootMs)})${t.rtoSeconds !== undefined ? `  RTO ${t.rtoSeconds} s ${t.rtoMet ? 'met' : 'NOT met'}` : ''}`,
          `  report: ${files.html}`,
          `          ${files.md}`,
          `          ${files.json}`,
          '',
        ].join('\n'),
      );
    }
    if (ctx.signal.aborted) return EXIT.interrupted;
    const allOk = report.scenarios.every((r) => r.ok) && (t.rtoMet ?? true);
    return allOk ? EXIT.ok : EXIT.failed;
  },
};
