import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs that turns its errors into one CLI_USAGE line naming the usage. */
export function parseCommandArgs<const O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    return usageError((e as Error).message.replace(/\. To specify a positional.*$/s, ''), usage);
  }
}
