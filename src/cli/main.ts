import { readFileSync } from 'node:fs';
import { resolveAppConfig } from '../config/index.ts';
import { isBootmedicError } from '../core/index.ts';
import { commandHelp, wantsHelp, type CommandContext } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { EXIT, exitCodeOf } from './exit-codes.ts';
import { table } from './style.ts';

function help(): string {
  const lines = table(Object.entries(COMMANDS).map(([k, v]) => [k, v.summary]), { indent: '  ' });
  return `bootmedic keeps virtual machines booting.\n\nusage: bootmedic [--home DIR] <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'bootmedic help <command>' for a command's options.\n`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `bootmedic ${pkg.version} (node ${process.version})\n`;
}

/** Splits the global flags (before the command) from the command and its own argv. */
function splitGlobal(argv: string[]): { home?: string; rest: string[] } {
  const out: { home?: string; rest: string[] } = { rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--home' && i + 1 < argv.length) out.home = argv[++i]!;
    else if (a.startsWith('--home=')) out.home = a.slice('--home='.length);
    else break;
  }
  out.rest = argv.slice(i);
  // `--home` may also come after the command: commands share one home flag.
  const j = out.rest.findIndex((a) => a === '--home' || a.startsWith('--home='));
  if (j > 0) {
    const a = out.rest[j]!;
    if (a === '--home' && j + 1 < out.rest.length) {
      out.home = out.rest[j + 1]!;
      out.rest.splice(j, 2);
    } else if (a.startsWith('--home=')) {
      out.home = a.slice('--home='.length);
      out.rest.splice(j, 1);
    }
  }
  return out;
}

/**
 * Runs the bootmedic CLI and returns the process exit code.
 * Mistakes of the user's print one line with the fix and no stack trace.
 */
export async function main(argv: string[], io: Partial<Pick<CommandContext, 'stdout' | 'stderr' | 'stdin'>> = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const stdin = io.stdin ?? process.stdin;
  const { home, rest } = splitGlobal(argv);
  const [name, ...args] = rest;
  if (name === undefined || name === '--help' || name === '-h') {
    stdout.write(help());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    stdout.write(version());
    return EXIT.ok;
  }
  if (name === 'help') {
    const target = args[0];
    const entry = target === undefined ? undefined : COMMANDS[target];
    if (entry === undefined) {
      stdout.write(help());
      return target === undefined ? EXIT.ok : EXIT.usage;
    }
    const { command } = await entry.load();
    stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    stderr.write(`bootmedic: unknown command '${name}'\n  fix: run 'bootmedic --help' for the list of commands\n`);
    return EXIT.usage;
  }
  if (wantsHelp(args)) {
    stdout.write(commandHelp((await entry.load()).command));
    return EXIT.ok;
  }

  const controller = new AbortController();
  let interrupts = 0;
  // 130 after SIGINT, 143 after SIGTERM (128 + the signal number).
  const interruptedCode = () => ((controller.signal.reason as Error | undefined)?.message === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      // Only a terminal's user can press Ctrl-C; a SIGTERM comes from a program.
      stderr.write(`\nbootmedic: ${sig}: stopping VMs cleanly${sig === 'SIGINT' ? ' (press Ctrl-C again to force)' : ''}\n`);
      controller.abort(new Error(sig));
    } else {
      process.exit(interruptedCode());
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const app = resolveAppConfig({ home });
    const { command } = await entry.load();
    const code = await command.run(args, { app, stdout, stderr, stdin, signal: controller.signal });
    return controller.signal.aborted && (code === EXIT.ok || code === EXIT.interrupted) ? interruptedCode() : code;
  } catch (e) {
    if (isBootmedicError(e)) {
      stderr.write(`bootmedic: ${e.message}\n  fix: ${e.fix}\n`);
      return exitCodeOf(e);
    }
    // Ctrl-C or SIGTERM unwinds what was running with whatever error its abort produced
    // (an AbortError from a child process, a plain 'aborted'): that is the operator's stop, not a bug.
    if (controller.signal.aborted) {
      stderr.write(`bootmedic: stopped (${String((controller.signal.reason as Error)?.message ?? 'aborted')})\n`);
      return interruptedCode();
    }
    stderr.write(`bootmedic: internal error (a bug; please report it with this text):\n${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT.internal;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
