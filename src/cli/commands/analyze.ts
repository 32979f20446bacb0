import { createReadStream, statSync } from 'node:fs';
import { analyzeStream, signaturesErrors, stopsBoot } from '../../signatures/index.ts';
import type { Finding, LogAnalysis } from '../../signatures/index.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { usageError } from '../usage-error.ts';

const USAGE = 'bootmedic analyze <log|-> [--json]';

const SEVERITY_COLOR: Readonly<Record<Finding['severity'], string>> = { info: '2', warning: '33', error: '31', fatal: '1;31' };

/** Opens the log as a stream of chunks, turning a missing or unreadable file into one clear error. */
function openLog(path: string): AsyncIterable<Uint8Array> {
  let st;
  try {
    st = statSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw signaturesErrors.make('SIGNATURES_LOG_NOT_FOUND', `console log ${path} does not exist`, { cause });
    throw signaturesErrors.make('SIGNATURES_LOG_UNREADABLE', `console log ${path}: ${(cause as Error).message}`, { cause });
  }
  if (!st.isFile() && !st.isFIFO() && !st.isCharacterDevice()) throw signaturesErrors.make('SIGNATURES_LOG_UNREADABLE', `console log ${path} is not a file`);
  const stream = createReadStream(path);
  return (async function* () {
    try {
      for await (const chunk of stream) yield chunk as Uint8Array;
    } catch (cause) {
      throw signaturesErrors.make('SIGNATURES_LOG_UNREADABLE', `console log ${path}: ${(cause as Error).message}`, { cause });
    }
  })();
}

function printHuman(r: LogAnalysis, out: NodeJS.WritableStream, color: boolean): void {
  const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const shown = r.findings.filter((f) => f.severity !== 'info');
  for (const f of shown) {
    out.write(`${paint(SEVERITY_COLOR[f.severity], f.severity.toUpperCase().padEnd(7))} ${f.title}\n`);
    out.write(`        ${f.family} · ${f.component} / ${f.layer} · phase ${f.phase}${f.stopsBoot ? ' · stops the boot' : ''}  [${f.id}]\n`);
    if (f.stopCode !== undefined) out.write(`        stop code ${f.stopCode.code} ${f.stopCode.name} (${f.stopCode.params.join(', ')})\n`);
    for (const e of f.evidence) out.write(`  ${String(e.line).padStart(6)} | ${paint('1', e.text)}\n`);
    out.write('\n');
  }
  const phases = r.findings.filter((f) => f.family === 'progress').map((f) => `${f.phase}@${f.evidence[0]?.line ?? '?'}`);
  out.write(`phases: ${phases.length === 0 ? '(none recognised)' : phases.join(' → ')}\n`);
  const failing = shown.filter(stopsBoot);
  out.write(failing.length === 0 ? `no boot failure found in ${r.lines} lines\n` : `boot failed: ${failing[0]!.title} (${r.lines} lines)\n`);
}

export const command: Command = {
  name: 'analyze',
  summary: 'Find boot failures in a saved console log (or stdin).',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
    const path = positionals[0];
    if (path === undefined || positionals.length > 1) usageError('analyze takes one console log (or - for stdin)', USAGE);
    const source = path === '-' ? (ctx.stdin as AsyncIterable<Uint8Array>) : openLog(path);
    const r = await analyzeStream(source);
    if (values.json === true) ctx.stdout.write(`${JSON.stringify({ findings: r.findings, corrupted: r.corrupted })}\n`);
    else printHuman(r, ctx.stdout, ctx.app.color);
    return r.findings.some(stopsBoot) ? EXIT.failed : EXIT.ok;
  },
};
