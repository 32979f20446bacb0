import { parseListen, startServe, DEFAULT_LISTEN, type ServerConfig } from '../../server/index.ts';
import type { Command } from '../command.ts';
import { usageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';

const USAGE = `bootmedic serve [--listen HOST:PORT] [--home DIR] [--config FILE] [--allow-plain-http] [--tls-cert FILE --tls-key FILE] [--web-root DIR]`;

const HELP = `Run bootmedic as a service in the foreground: the JSON API under /api/v1 (bearer tokens:
'bootmedic token create'), live events (SSE) at /api/v1/events, the dashboard at /, /metrics,
and /healthz and /readyz without a token. Listens on ${DEFAULT_LISTEN.host}:${DEFAULT_LISTEN.port} by default; an address
other than loopback needs --tls-cert and --tls-key, or --allow-plain-http behind a TLS proxy.
SIGTERM or Ctrl-C stops it cleanly (the server, then the service); SIGHUP reloads the config.`;

export const command: Command = {
  name: 'serve',
  summary: 'Run the service: the API, live events, the dashboard and metrics, until SIGTERM.',
  usage: `${USAGE}\n\n${HELP}`,
  async run(argv, ctx) {
    const opts = {
      listen: { type: 'string' }, config: { type: 'string' }, 'allow-plain-http': { type: 'boolean' },
      'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, 'web-root': { type: 'string' },
    } as const;
    const { values, positionals } = parseCommandArgs(argv, opts, USAGE);
    if (positionals.length > 0) usageError('serve takes no positional arguments', USAGE);
    if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) usageError('--tls-cert and --tls-key go together', USAGE);
    const server: ServerConfig = {
      ...(values.listen !== undefined ? { listen: parseListen(values.listen) } : {}),
      ...(values['tls-cert'] !== undefined ? { tls: { cert: values['tls-cert'], key: values['tls-key']! } } : {}),
      ...(values['allow-plain-http'] === true ? { allowPlainHttp: true } : {}),
    };
    // One JSON object per line for a log collector; short lines on a terminal.
    const tty = (ctx.stderr as NodeJS.WriteStream).isTTY === true;
    const log = (line: Record<string, unknown>) =>
      ctx.stderr.write(tty ? `bootmedic: ${String(line['level'] ?? 'info')}: ${String(line['msg'] ?? '')}${line['error'] !== undefined ? ` (${String(line['error'])})` : ''}\n` : `${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
    if (ctx.signal.aborted) return EXIT.interrupted;
    const s = await startServe({
      app: ctx.app, server, log,
      ...(values.config !== undefined ? { configFile: values.config } : {}),
      ...(values['web-root'] !== undefined ? { webRoot: values['web-root'] } : {}),
    });
    const onHup = () => {
      s.service.reload().then(
        (r) => log({ level: 'info', msg: 'config reloaded', ...r }),
        (e: unknown) => log({ level: 'error', msg: 'config reload failed; the running config stays', error: (e as Error).message }),
      );
    };
    process.on('SIGHUP', onHup);
    try {
      ctx.stdout.write(`bootmedic serving at ${s.url}/ (API ${s.url}/api/v1, health ${s.url}/healthz)\n`);
      if (s.tokens === 0) ctx.stdout.write("no API tokens yet: make one with 'bootmedic token create --role viewer'\n");
      log({ level: 'info', msg: 'listening', url: s.url });
      await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve(), { once: true })));
      log({ level: 'info', msg: 'stopping', reason: String((ctx.signal.reason as Error | undefined)?.message ?? 'aborted') });
    } finally {
      process.off('SIGHUP', onHup);
      await s.close();
    }
    return EXIT.ok;
  },
};
