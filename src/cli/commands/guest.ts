import { buildGuest } from '../../guest/index.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { parseCommandArgs } from '../parse.ts';
import { usageError } from '../usage-error.ts';

const usage = 'bootmedic guest build <tiny|debian>';

/** `bootmedic guest build tiny|debian`: builds a guest into the cache and prints its paths last. */
export const command: Command = {
  name: 'guest',
  summary: 'build the guests bootmedic boots (tiny: Debian kernel + busybox initramfs; debian: a UEFI disk image)',
  usage,
  async run(argv, ctx) {
    const { positionals } = parseCommandArgs(argv, {}, usage);
    const [verb, name, ...rest] = positionals;
    if (verb !== 'build' || (name !== 'tiny' && name !== 'debian') || rest.length > 0) return usageError(verb === 'build' ? 'name one guest: tiny or debian' : "the only sub-command is 'build'", usage);
    const built = await buildGuest(name, ctx.app, { log: (line) => ctx.stderr.write(`[guest ${name}] ${line}\n`), signal: ctx.signal });
    for (const p of built.paths) ctx.stdout.write(p + '\n');
    return EXIT.ok;
  },
};
