import { existsSync } from 'node:fs';
import { boundJson, fileErrors, LIMIT, parseData, readGuarded } from '../../core/index.ts';
import { join } from 'node:path';
import { defaultModel, diagnose, diagnoseErrors, diffFingerprints, evidenceFromAnalysis, evidenceFromBootRecord, FingerprintSchema, loadModel, parseEvidence } from '../../diagnose/index.ts';
import type { Diagnosis, Evidence, Model } from '../../diagnose/index.ts';
import { analyzeLog } from '../../signatures/index.ts';
import { openStore } from '../../store/index.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { paint, table } from '../style.ts';
import { usageError } from '../errors.ts';
import { abortable } from '../abortable.ts';

const USAGE = 'bootmedic diagnose <boot-id | console.log | -> [--json] [--evidence] [--model <model.yaml>]';

/** Reads standard input whole, up to DIAGNOSE_LOG_MAX_BYTES (diagnose holds the log in memory). */
async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of stream as AsyncIterable<Buffer | string>) {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    n += b.length;
    if (n > LIMIT.DIAGNOSE_LOG_MAX_BYTES) throw fileErrors.make('FILE_TOO_LARGE', `standard input: more than the limit of ${LIMIT.DIAGNOSE_LOG_MAX_BYTES} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Evidence from a stored boot: its outcome, plus what changed since the VM's last good boot when both carry a fingerprint. */
function evidenceFromStore(home: string, id: string): Evidence | undefined {
  // Do not create a store just to find that it holds nothing.
  if (!existsSync(join(home, 'bootmedic.db'))) return undefined;
  const store = openStore({ home });
  try {
    const boot = store.boots.get(id);
    if (boot === undefined) return undefined;
    const fpOf = (record: unknown) => FingerprintSchema.safeParse((record as { fingerprint?: unknown } | null)?.fingerprint);
    const now = fpOf(boot.record);
    const good = store.boots.goodBoots({ vm: boot.vm }, 1)[0];
    const then = good === undefined ? undefined : fpOf(good.record);
    const extra = now.success && then?.success === true ? { changes: diffFingerprints(then.data, now.data) } : {};
    return evidenceFromBootRecord(boot.record, `boot ${id}`, extra);
  } finally {
    store.close();
  }
}

function printHuman(d: Diagnosis, model: Model, what: string, ev: Evidence, out: NodeJS.WritableStream, color: boolean): void {
  const p = paint(color);
  const title = (id: string) => model.causes.find((c) => c.id === id)?.title ?? '';
  out.write(`Diagnosis of ${what}: ${ev.status} in ${ev.phase === 'none' ? 'no phase (nothing printed)' : `the ${ev.phase} phase`}, ${ev.findings.filter((f) => f.severity !== 'info').length} finding(s)\n\n`);
  const shown = d.causes.filter((c, i) => i < 3 || c.probability >= 0.01);
  const ranked = table(
    shown.map((c, i) => [`${i + 1}.`, c.cause, `${(c.probability * 100).toFixed(1)}%`, title(c.cause)]),
    { columns: [{ align: 'right', min: 4 }, { min: 20 }, { align: 'right', min: 6 }], gap: [' ', ' ', '  '] },
  );
  ranked.forEach((line, i) => out.write(`${i === 0 ? p.bold(line) : line}\n`));
  const rest = d.causes.length - shown.length;
  if (rest > 0) out.write(`     (${rest} more below 1%)\n`);
  out.write(`\nWhy: ${d.explanation.summary}\n`);
  const moved = d.explanation.evidence.filter((e) => Math.abs(e.forTop) >= 0.1);
  if (moved.length > 0) {
    out.write(`\nEvidence, as weight for ${d.causes[0]!.cause} (bits; + raises it, - lowers it):\n`);
    const rows = moved.map((e) => {
      const w = `${e.forTop >= 0 ? '+' : ''}${e.forTop.toFixed(1)}`;
      const also = e.raised.filter((r) => r.cause !== d.causes[0]!.cause).map((r) => `${r.cause} +${r.bits.toFixed(1)}`);
      return [(e.forTop >= 0 ? p.green : p.red)(w), e.evidence, `${e.detail}${also.length > 0 ? p.dim(`  (also raises ${also.join(', ')})`) : ''}`];
    });
    for (const line of table(rows, { columns: [{ align: 'right', min: 6 }, { min: 28 }], indent: '  ', gap: ['  ', ' '] })) out.write(`${line}\n`);
  }
  // Every change since the last good boot, including those the model has no variable for (firmware).
  const changed = ev.changes?.details ?? [];
  if (changed.length > 0) {
    out.write('\nChanged since the last good boot:\n');
    for (const c of changed) out.write(`  ${c.field}: ${c.before} → ${c.after}\n`);
  }
  const v = d.explanation.versus;
  const terms = v.items.slice(0, 6).map((i) => `${i.evidence} ${i.bits >= 0 ? '+' : ''}${i.bits.toFixed(1)}`);
  out.write(`\n${v.top} against ${v.runnerUp}: prior ${v.priorBits.toFixed(1)}${terms.length > 0 ? `, ${terms.join(', ')}` : ''} → ${v.posteriorBits.toFixed(1)} bits\n`);
}

export const command: Command = {
  name: 'diagnose',
  summary: 'Rank the likely causes of a failed boot.',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, evidence: { type: 'boolean' }, model: { type: 'string' } }, USAGE);
    const arg = positionals[0];
    if (arg === undefined || positionals.length > 1) usageError('diagnose takes one boot id, console log, or - for stdin', USAGE);
    const model = values.model !== undefined ? loadModel(values.model) : defaultModel();

    let ev: Evidence | undefined;
    let what = arg;
    // A path that exists is a file to read (through the guarded open: a FIFO or a folder is
    // refused, not waited on); anything else is a boot id.
    const isFile = arg !== '-' && existsSync(arg);
    if (arg === '-' || isFile) {
      const bytes = arg === '-' ? await readAll(abortable(ctx.stdin, ctx.signal)) : readGuarded(arg, { what: values.evidence === true ? 'evidence file' : 'console log', maxBytes: LIMIT.DIAGNOSE_LOG_MAX_BYTES });
      if (arg === '-') what = 'standard input';
      if (values.evidence === true) {
        const json = parseData(bytes.toString('utf8'), { what, format: 'json', fail: (m) => diagnoseErrors.make('DIAGNOSE_BAD_EVIDENCE', m) });
        ev = parseEvidence(json, what);
      } else {
        ev = evidenceFromAnalysis(analyzeLog(bytes));
      }
    } else {
      ev = evidenceFromStore(ctx.app.home, arg);
      what = `boot ${arg}`;
    }
    if (ev === undefined) throw diagnoseErrors.make('DIAGNOSE_NOT_FOUND', `${arg}: no such file, and no boot with that id in ${ctx.app.home}`);

    const d = diagnose(ev, model);
    if (values.json === true) ctx.stdout.write(boundJson({ causes: d.causes, explanation: d.explanation }, { see: 'the console log', indent: 0 }));
    else printHuman(d, model, what, ev, ctx.stdout, ctx.app.color);
    return EXIT.ok;
  },
};
