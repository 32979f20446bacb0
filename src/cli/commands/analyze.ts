import { streamGuarded } from '../../core/index.ts';
import { scanStream, signaturesErrors } from '../../signatures/index.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { createFindingWriter } from '../finding-writer.ts';
import { usageError } from '../errors.ts';
import { abortable } from '../abortable.ts';

const USAGE = 'bootmedic analyze <log|-> [--json]';

/**
 * Opens the log as a stream of chunks through the guarded open: a missing file is
 * SIGNATURES_LOG_NOT_FOUND; a FIFO, device or folder is FILE_WRONG_TYPE (a stream comes in on '-').
 */
function openLog(path: string, signal: AbortSignal): AsyncIterable<Uint8Array> {
  const stream = abortable(streamGuarded(path, { what: 'console log', missing: () => signaturesErrors.make('SIGNATURES_LOG_NOT_FOUND', `console log ${path} does not exist`) }), signal);
  return (async function* () {
    try {
      for await (const chunk of stream) yield chunk as Uint8Array;
    } catch (cause) {
      if (signal.aborted) throw cause;
      throw signaturesErrors.make('SIGNATURES_LOG_UNREADABLE', `console log ${path}: ${(cause as Error).message}`, { cause });
    }
  })();
}

export const command: Command = {
  name: 'analyze',
  summary: 'Find boot failures in a saved console log (or stdin).',
  usage: USAGE,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, USAGE);
    const path = positionals[0];
    if (path === undefined || positionals.length > 1) usageError('analyze takes one console log (or - for stdin)', USAGE);
    const source = path === '-' ? (abortable(ctx.stdin, ctx.signal) as AsyncIterable<Uint8Array>) : openLog(path, ctx.signal);
    // Findings go out as they are found: a log of any size is analysed in bounded memory.
    const w = createFindingWriter(ctx.stdout, values.json === true, ctx.app.color);
    const r = await scanStream(source, w.finding, { afterChunk: w.flush });
    w.end(r);
    return r.stopsBoot ? EXIT.failed : EXIT.ok;
  },
};
