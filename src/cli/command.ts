import type { AppConfig } from '../config/index.ts';

/** What every command gets from the composition root. */
export type CommandContext = Readonly<{
  app: AppConfig;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM; long-running commands stop cleanly. */
  signal: AbortSignal;
}>;

/** A CLI command: parses its own arguments, calls the domain, prints, returns an exit code. */
export type Command = Readonly<{
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], ctx: CommandContext): Promise<number>;
}>;

/** True when the command's arguments ask for its help: `--help` or `-h` before any `--`. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** A command's help: its usage (one line per form) and what it does. */
export function commandHelp(c: Command): string {
  const forms = c.usage.split(/ \| (?=bootmedic )/);
  return `usage: ${forms.join('\n       ')}\n\n${c.summary}\n`;
}
