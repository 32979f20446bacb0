import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkPath, LIMIT, readGuardedText } from '../../core/index.ts';
import {
  decodeEntry,
  formatTlogProof,
  generateSkey,
  keepCosigned,
  ledgerErrors,
  openLedger,
  openNote,
  parseCheckpoint,
  parseSkey,
  SIG_TYPE,
  verifyConsistency,
  verifyExport,
  verifyInclusion,
  type Ledger,
  type LedgerVerifyResult,
} from '../../ledger/index.ts';
import type { Command, CommandContext } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { table } from '../style.ts';
import { usageError } from '../errors.ts';

const USAGE = `bootmedic ledger <subcommand> [options]
  show [--from N] [--limit N] [--json]        entries (default: the last 20)
  verify [--remembered FILE]... [--witness-dir DIR]... [--witness FILE]... [--json]
                                              re-derive every hash, check every checkpoint, the remembered ones
                                              and the witnesses' cosigned ones kept outside the ledger folder
  verify --offline DIR [--key FILE] [--origin O] [--witness FILE]... [--json]
  proof <index> [--json | --tlog-proof]       inclusion proof of one entry (c2sp.org/tlog-proof@v1 text)
  proof <index> --size N [--json]             ... in an earlier tree size
  proof --consistency OLD [--size N] [--json] consistency proof between two sizes
  checkpoint [--json] [--cosign WITNESS_KEY [--witness-dir DIR]...]
                                              the latest signed checkpoint (cosigned: a copy kept in
                                              <home>/ledger-witnesses and each witness folder)
  export <dir>                                tiles, checkpoint and public key for offline verify
  append --type T [--vm V] --data JSON        record an event by hand
  witness-key <name> <file>                   make a witness key (cosignature/v1), print its vkey`;

const b64 = (b: Buffer) => b.toString('base64');

function intArg(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) usageError(`${what} must be a non-negative integer, got ${JSON.stringify(v)}`, USAGE);
  return Number(v);
}

function readText(path: string, what: string): string {
  return readGuardedText(path, { what, maxBytes: LIMIT.LEDGER_EXPORT_FILE_MAX_BYTES });
}

function printVerify(r: LedgerVerifyResult, ctx: CommandContext, json: boolean, what: string): number {
  if (json) ctx.stdout.write(`${JSON.stringify({ ok: r.ok, size: r.size, checkpoints: r.checkpoints, firstBadIndex: r.firstBadIndex, problems: r.problems })}\n`);
  else if (r.ok) ctx.stdout.write(`${what} verified: ${r.size} entries, ${r.checkpoints} checkpoint${r.checkpoints === 1 ? '' : 's'}, every hash and signature checks out\n`);
  else {
    ctx.stdout.write(`${what} FAILED verification: first bad index ${r.firstBadIndex ?? '(none; see below)'} of ${r.size}\n`);
    for (const p of r.problems) ctx.stdout.write(`  ${p.code}: ${p.message}${p.index === null ? '' : ` (index ${p.index})`}\n`);
  }
  return r.ok ? EXIT.ok : EXIT.failed;
}

type Outside = { remembered?: readonly string[]; witnessDirs?: readonly string[]; witnessKeys?: readonly string[] };

async function withLedger<T>(ctx: CommandContext, readOnly: boolean, fn: (l: Ledger) => T | Promise<T>, o: Outside = {}): Promise<T> {
  const ledger = await openLedger({
    home: ctx.app.home, create: false, readOnly,
    rememberAt: [...(ctx.app.ledgerCheckpointCopies ?? []), ...(o.remembered ?? [])],
    witnessDirs: [...(ctx.app.ledgerWitnessDirs ?? []), ...(o.witnessDirs ?? [])],
    witnessKeys: o.witnessKeys ?? [],
  });
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

async function show(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { from: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  if (positionals.length > 0) usageError('show takes no positional arguments', USAGE);
  const limit = intArg(values.limit, '--limit') ?? 20;
  return withLedger(ctx, true, (l) => {
    const from = intArg(values.from, '--from') ?? Math.max(0, l.size - limit);
    const rows = l.entries(from, Math.min(l.size, from + limit));
    if (values.json === true) {
      ctx.stdout.write(`${JSON.stringify({ origin: l.origin, size: l.size, entries: rows.map((r) => ({ index: r.index, entry: decodeEntry(r.bytes) ?? null })) })}\n`);
      return EXIT.ok;
    }
    ctx.stdout.write(`ledger ${l.origin}: ${l.size} entries${rows.length < l.size ? `, showing ${from}..${from + rows.length - 1}` : ''}\n`);
    const cells = rows.map((r) => {
      const e = decodeEntry(r.bytes);
      const data = JSON.stringify(e?.data ?? null);
      return [String(r.index), e?.at ?? '?', e?.type ?? '?', e?.vm ?? '-', data.length > 80 ? `${data.slice(0, 77)}...` : data];
    });
    for (const l of table(cells, { columns: [{ align: 'right', min: 7 }, {}, { min: 13 }, { min: 12 }], gap: ['  ', '  ', ' ', ' '] })) ctx.stdout.write(`${l}\n`);
    return EXIT.ok;
  });
}

async function verify(argv: string[], ctx: CommandContext): Promise<number> {
  const opts = { json: { type: 'boolean' }, offline: { type: 'string' }, key: { type: 'string' }, origin: { type: 'string' }, witness: { type: 'string', multiple: true }, remembered: { type: 'string', multiple: true }, 'witness-dir': { type: 'string', multiple: true } } as const;
  const { values, positionals } = parseCommandArgs(argv, opts, USAGE);
  if (positionals.length > 0) usageError('verify takes no positional arguments (use --offline DIR for an export)', USAGE);
  const json = values.json === true;
  if (values.offline !== undefined) {
    const r = verifyExport(values.offline, {
      ...(values.key === undefined ? {} : { vkey: readText(values.key, 'public key') }),
      ...(values.origin === undefined ? {} : { origin: values.origin }),
      witnesses: (values.witness ?? []).map((w) => readText(w, 'witness key')),
    });
    return printVerify(r, ctx, json, `export ${values.offline}`);
  }
  if (values.key !== undefined || values.origin !== undefined) usageError('--key and --origin go with --offline DIR', USAGE);
  const remembered = (values.remembered ?? []).map((f) => resolve(f));
  for (const f of remembered) if (!existsSync(f)) throw ledgerErrors.make('LEDGER_BAD_CHECKPOINT', `remembered checkpoint ${f}: no such file`, { fix: 'Give the path of a checkpoint file this log signed (a copy of <home>/ledger-checkpoint).' });
  const witnessDirs = (values['witness-dir'] ?? []).map((d) => resolve(d));
  for (const d of witnessDirs) checkPath(d, { what: 'witness folder', kind: 'directory', missing: () => ledgerErrors.make('LEDGER_BAD_CHECKPOINT', `witness folder ${d}: no such folder`, { fix: "Give the folder where a witness keeps its cosigned checkpoints ('ledger checkpoint --cosign KEY --witness-dir DIR' fills one)." }) });
  const witnessKeys = (values.witness ?? []).map((w) => readText(w, 'witness key'));
  return withLedger(ctx, true, (l) => printVerify(l.verify(), ctx, json, `ledger ${l.origin}`), { remembered, witnessDirs, witnessKeys });
}

async function proof(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { size: { type: 'string' }, consistency: { type: 'string' }, json: { type: 'boolean' }, 'tlog-proof': { type: 'boolean' } }, USAGE);
  const old = intArg(values.consistency, '--consistency');
  if ((old === undefined) === (positionals.length !== 1)) usageError('proof takes one entry index, or --consistency OLD', USAGE);
  return withLedger(ctx, true, (l) => {
    const size = intArg(values.size, '--size') ?? l.size;
    const latest = parseCheckpoint(openNote(l.checkpoint(), [l.verifier]).text);
    const signed = latest.size === size ? 'the latest signed checkpoint' : `the root of size ${size} (no signed checkpoint of that size is the latest)`;
    if (old !== undefined) {
      const p = l.consistencyProof(old, size);
      const ok = old === 0 || verifyConsistency(p.size1, p.size2, p.proof, p.root1, p.root2) === null;
      if (values.json === true) ctx.stdout.write(`${JSON.stringify({ size1: p.size1, size2: p.size2, root1: b64(p.root1), root2: b64(p.root2), proof: p.proof.map(b64), verified: ok })}\n`);
      else ctx.stdout.write(`consistency proof from size ${p.size1} to ${p.size2} (${p.proof.length} hashes)\nold root  ${b64(p.root1)}\nnew root  ${b64(p.root2)}\n${p.proof.map((h) => `  ${b64(h)}\n`).join('')}checked against ${signed}: ${ok ? 'ok' : 'FAILED'}\n`);
      return ok ? EXIT.ok : EXIT.failed;
    }
    const index = intArg(positionals[0], 'index')!;
    const p = l.inclusionProof(index, size);
    const ok = verifyInclusion(p.index, p.size, p.leafHash, p.proof, latest.size === size ? latest.root : p.root) === null;
    if (values['tlog-proof'] === true) {
      if (latest.size !== size) usageError('--tlog-proof needs the latest size (a proof travels with its signed checkpoint)', USAGE);
      ctx.stdout.write(formatTlogProof(index, p.proof, l.checkpoint()));
    } else if (values.json === true) {
      ctx.stdout.write(`${JSON.stringify({ index, size: p.size, leafHash: b64(p.leafHash), root: b64(p.root), proof: p.proof.map(b64), entry: l.entry(index).toString('utf8'), checkpoint: latest.size === size ? l.checkpoint() : null, verified: ok })}\n`);
    } else {
      ctx.stdout.write(`inclusion proof of entry ${index} in tree size ${p.size} (${p.proof.length} hashes)\nentry     ${l.entry(index).toString('utf8')}\nleaf hash ${b64(p.leafHash)}\nroot      ${b64(p.root)}\n${p.proof.map((h) => `  ${b64(h)}\n`).join('')}checked against ${signed}: ${ok ? 'ok' : 'FAILED'}\n`);
    }
    return ok ? EXIT.ok : EXIT.failed;
  });
}

async function checkpoint(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, cosign: { type: 'string' }, 'witness-dir': { type: 'string', multiple: true } }, USAGE);
  if (positionals.length > 0) usageError('checkpoint takes no positional arguments', USAGE);
  if (values.cosign === undefined && values['witness-dir'] !== undefined) usageError('--witness-dir goes with --cosign WITNESS_KEY', USAGE);
  const witnessDirs = (values['witness-dir'] ?? []).map((d) => resolve(d));
  return withLedger(ctx, values.cosign === undefined, (l) => {
    let note: string;
    if (values.cosign === undefined) note = l.checkpoint();
    else {
      const skey = readText(values.cosign, 'witness key');
      note = l.cosign(skey);
      // The witness's copy, kept outside the ledger folder: what verify compares a rolled-back log with.
      for (const dir of l.witnessDirs) keepCosigned(dir, note, parseSkey(skey));
    }
    if (values.json === true) {
      const cp = parseCheckpoint(openNote(note, [l.verifier]).text);
      ctx.stdout.write(`${JSON.stringify({ origin: cp.origin, size: cp.size, root: b64(cp.root), vkey: l.verifier.vkey, note })}\n`);
    } else ctx.stdout.write(note);
    return EXIT.ok;
  }, { witnessDirs });
}

async function exportCmd(argv: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommandArgs(argv, {}, USAGE);
  if (positionals.length !== 1) usageError('export takes one target folder', USAGE);
  return withLedger(ctx, true, (l) => {
    const r = l.export(positionals[0]!);
    ctx.stdout.write(`exported ${r.size} entries to ${r.dir} (tiles, checkpoint, vkey); check it with: bootmedic ledger verify --offline ${r.dir}\n`);
    return EXIT.ok;
  });
}

async function append(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { type: { type: 'string' }, vm: { type: 'string' }, data: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  if (positionals.length > 0 || values.type === undefined || values.data === undefined) usageError('append needs --type T and --data JSON', USAGE);
  let data: unknown;
  try {
    data = JSON.parse(values.data) as unknown;
  } catch (cause) {
    throw ledgerErrors.make('LEDGER_BAD_ENTRY', `--data is not JSON: ${(cause as Error).message}`, { cause, fix: `Quote the JSON, e.g. --data '{"key":"value"}'` });
  }
  const ledger = await openLedger({ home: ctx.app.home });
  try {
    const { index } = await ledger.append({ type: values.type, ...(values.vm === undefined ? {} : { vm: values.vm }), data });
    ctx.stdout.write(values.json === true ? `${JSON.stringify({ index })}\n` : `appended entry ${index}\n`);
    return EXIT.ok;
  } finally {
    await ledger.close();
  }
}

function witnessKey(argv: string[], ctx: CommandContext): number {
  const { positionals } = parseCommandArgs(argv, {}, USAGE);
  if (positionals.length !== 2) usageError('witness-key takes a key name and a file', USAGE);
  const skey = generateSkey(positionals[0]!, SIG_TYPE.cosignatureV1);
  try {
    writeFileSync(positionals[1]!, `${skey}\n`, { mode: 0o600, flag: 'wx' });
  } catch (cause) {
    throw ledgerErrors.make('LEDGER_BAD_KEY', `witness key ${positionals[1]}: ${(cause as Error).message}`, { cause, fix: 'Pick a new file name in a writable folder.' });
  }
  ctx.stdout.write(`${parseSkey(skey).vkey}\n`);
  return EXIT.ok;
}

export const command: Command = {
  name: 'ledger',
  summary: 'Show, verify, prove and export the transparency log.',
  usage: USAGE,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case 'show':
        return show(rest, ctx);
      case 'verify':
        return verify(rest, ctx);
      case 'proof':
        return proof(rest, ctx);
      case 'checkpoint':
        return checkpoint(rest, ctx);
      case 'export':
        return exportCmd(rest, ctx);
      case 'append':
        return append(rest, ctx);
      case 'witness-key':
        return witnessKey(rest, ctx);
      default:
        return usageError(sub === undefined ? 'ledger needs a subcommand' : `unknown ledger subcommand '${sub}'`, USAGE);
    }
  },
};
