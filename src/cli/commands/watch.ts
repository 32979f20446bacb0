import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

// Placeholder until the part behind this command lands; it says so rather than pretend.
export const command: Command = {
  name: 'watch',
  summary: 'not built yet',
  usage: 'bootmedic watch',
  async run(_argv, ctx) {
    ctx.stderr.write("bootmedic: 'watch' is not built yet\n");
    return EXIT.unavailable;
  },
};
