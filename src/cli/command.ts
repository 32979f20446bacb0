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
