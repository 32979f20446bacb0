import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

// Placeholder until the part behind this command lands; it says so rather than pretend.
export const command: Command = {
  name: 'guest',
  summary: 'not built yet',
  usage: 'bootmedic guest',
  async run(_argv, ctx) {
    ctx.stderr.write("bootmedic: 'guest' is not built yet\n");
    return EXIT.unavailable;
  },
};
