import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadVmSpec } from '../../config/index.ts';
import { superviseVm } from '../../supervisor/index.ts';
import { openRuntime } from '../compose.ts';
import { inspectImage, repairImage, resolveRepairNames, type InspectReport, type RepairResult } from '../../image/index.ts';
import type { Command, CommandContext } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { table } from '../style.ts';
import { usageError } from '../errors.ts';
import { CATALOGUE_USAGE, runCatalogueCommand } from './image-catalogue.ts';

const USAGE = `bootmedic image inspect <disk> [--from <golden>] [--json] [--no-qemu-img-check] | bootmedic image repair <disk> [--from <golden>] [--only <repair,...>] [--snapshot-dir <dir>] [--vm <vm.yaml>] [--json] | ${CATALOGUE_USAGE}`;

function printReport(r: InspectReport, out: NodeJS.WritableStream): void {
  const rows = r.checks.flatMap((c) => [
    [c.status === 'ok' ? 'ok' : 'PROBLEM', c.name, c.evidence],
    ...(c.status === 'problem' && c.fix !== '' ? [['', '', `fix: ${c.fix}`]] : []),
  ]);
  for (const line of table(rows, { columns: [{ min: 7 }] })) out.write(`${line.trimEnd()}\n`);
  const n = r.checks.filter((c) => c.status === 'problem').length;
  out.write(r.ok ? `\nimage ok: ${r.checks.length} checks passed\n` : `\n${n} problem(s) in ${r.checks.length} checks\n`);
}

function printRepair(r: RepairResult, out: NodeJS.WritableStream): void {
  for (const s of r.snapshots) out.write(`snapshot  ${s.kind} ${s.ref} (${s.reason})\n`);
  for (const a of r.repairs) for (const d of a.did) out.write(`repaired  ${a.id}: ${d}\n`);
  for (const u of r.unrepaired) out.write(`LEFT      ${u.check}: ${u.reasons.join('; ')}\n`);
  if (r.repairs.length === 0 && r.before.ok) out.write('nothing to repair: every check is ok\n');
  out.write(r.ok ? 'image ok after repair\n' : 'image still has problems; see above\n');
}

async function inspect(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, from: { type: 'string' }, 'no-qemu-img-check': { type: 'boolean' } }, USAGE);
  const disk = positionals[0];
  if (disk === undefined || positionals.length > 1) usageError('image inspect takes one disk image', USAGE);
  if (values.from !== undefined && !existsSync(values.from)) usageError(`golden image ${values.from} does not exist`, USAGE);
  // With a golden image, the ESP's EFI executables are also compared with its (esp.loader-digests).
  const { report } = inspectImage(disk, { qemuImgCheck: values['no-qemu-img-check'] !== true, from: values.from });
  if (values.json === true) ctx.stdout.write(JSON.stringify({ ok: report.ok, checks: report.checks }) + '\n');
  else printReport(report, ctx.stdout);
  return report.ok ? EXIT.ok : EXIT.failed;
}

async function repair(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    { json: { type: 'boolean' }, from: { type: 'string' }, only: { type: 'string' }, 'snapshot-dir': { type: 'string' }, vm: { type: 'string' } },
    USAGE,
  );
  const disk = positionals[0];
  if (disk === undefined || positionals.length > 1) usageError('image repair takes one disk image', USAGE);
  if (values.from !== undefined && !existsSync(values.from)) usageError(`golden image ${values.from} does not exist`, USAGE);
  // The proof boot: a VM that boots this disk. Checked before anything is written.
  const spec = values.vm === undefined ? undefined : loadVmSpec(values.vm);
  if (spec !== undefined && !spec.disks.some((d) => d.path === resolve(disk))) usageError(`VM ${spec.name} (${values.vm}) does not boot ${disk}`, USAGE);
  const only = values.only === undefined ? undefined : resolveRepairNames(values.only.split(',').map((x) => x.trim()).filter((x) => x !== ''));
  const rt = await openRuntime(ctx.app);
  try {
    const r = repairImage(disk, { from: values.from, snapshotDir: values['snapshot-dir'], only });
    // Every repair is on the record, with the forensic snapshots taken before it.
    await rt.record({
      type: 'action',
      vm: spec?.name ?? '-',
      data: { action: 'image-repair', disk: resolve(disk), from: values.from ?? null, ok: r.ok, repairs: r.repairs.map((a) => ({ id: a.id, did: a.did })), snapshots: r.snapshots.map((x) => x.ref) },
    });
    // A repair counts only when the VM then boots to ready.
    let proof: { status: string; bootId: string; reason: string; durationMs: number } | undefined;
    if (spec !== undefined && r.ok) {
      if (!values.json) ctx.stdout.write(`proving the repair: booting ${spec.name}\n`);
      const [o] = await superviseVm(spec, rt, { mode: 'once', signal: ctx.signal });
      if (o !== undefined) proof = { status: o.status, bootId: o.bootId, reason: o.reason, durationMs: o.durationMs };
      await rt.record({ type: 'action', vm: spec.name, data: { action: 'image-repair-proof', disk: resolve(disk), ...(proof ?? { status: 'interrupted' }) } });
    }
    if (values.json === true) ctx.stdout.write(JSON.stringify({ ok: r.ok, repairs: r.repairs, snapshots: r.snapshots, unrepaired: r.unrepaired, before: r.before, after: r.after, ...(proof ? { proof } : {}) }) + '\n');
    else {
      printRepair(r, ctx.stdout);
      if (proof !== undefined) ctx.stdout.write(`proof boot ${proof.bootId}: ${proof.status} after ${(proof.durationMs / 1000).toFixed(1)} s (${proof.reason})\n`);
    }
    return r.ok && (spec === undefined || proof?.status === 'ready') ? EXIT.ok : EXIT.failed;
  } finally {
    await rt.close();
  }
}

export const command: Command = {
  name: 'image',
  summary: 'Inspect and repair disk images; catalogue, boot-test, promote, sign and retire them.',
  usage: USAGE,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'inspect':
        return inspect(rest, ctx);
      case 'repair':
        return repair(rest, ctx);
      default: {
        const done = sub === undefined ? undefined : await runCatalogueCommand(sub, rest, ctx);
        if (done !== undefined) return done;
        return usageError(sub === undefined ? 'image needs a subcommand' : `unknown image subcommand '${sub}'`, USAGE);
      }
    }
  },
};
