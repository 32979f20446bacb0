import { defineErrors } from '../core/index.ts';

export const cliErrors = defineErrors('cli', {
  CLI_USAGE: { cause: 'The command line has an unknown command or flag, or lacks an argument.', fix: "Run 'bootmedic help <command>' for its usage.", exit: 'usage' },
});

/** Throws CLI_USAGE with the command's usage as the fix. */
export function usageError(message: string, usage: string): never {
  throw cliErrors.make('CLI_USAGE', message, { fix: `usage: ${usage}` });
}
