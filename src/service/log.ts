// The daemon's log: one JSON object per line when the stream is not a terminal (journald,
// a file, a log shipper), a short human line on a terminal. Fields beside `msg` are
// free-form but flat: `vm`, `bootId`, `incidentId`, `code`...

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export type Logger = Readonly<{
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}>;

const RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A logger writing to `stream` (stderr by default). `json` defaults to "the stream is not a TTY".
 * @example
 * const log = createLogger({ stream: process.stderr });
 * log.info('vm state', { vm: 'web1', state: 'ready' });
 */
export function createLogger(o: { stream?: NodeJS.WritableStream & { isTTY?: boolean }; json?: boolean; level?: LogLevel; now?: () => Date } = {}): Logger {
  const stream = o.stream ?? process.stderr;
  const json = o.json ?? stream.isTTY !== true;
  const min = RANK[o.level ?? 'info'];
  const now = o.now ?? (() => new Date());
  const write = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[level] < min) return;
    const time = now().toISOString();
    const rest = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (json) {
      stream.write(`${JSON.stringify({ time, level, msg, ...Object.fromEntries(rest) })}\n`);
      return;
    }
    const vm = fields['vm'];
    const extra = rest.filter(([k]) => k !== 'vm').map(([k, v]) => `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`);
    stream.write(`${time.slice(11, 19)} ${level === 'info' ? '' : `${level.toUpperCase()} `}${vm !== undefined ? `${String(vm)}: ` : ''}${msg}${extra.length > 0 ? ` ${extra.join(' ')}` : ''}\n`);
  };
  return Object.freeze({
    debug: (m: string, f?: LogFields) => write('debug', m, f),
    info: (m: string, f?: LogFields) => write('info', m, f),
    warn: (m: string, f?: LogFields) => write('warn', m, f),
    error: (m: string, f?: LogFields) => write('error', m, f),
  });
}

/** A logger that drops everything (tests, library use). */
export const silentLogger: Logger = Object.freeze({ debug() {}, info() {}, warn() {}, error() {} });
