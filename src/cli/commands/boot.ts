import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

// Placeholder until the part behind this command lands; it says so rather than pretend.
export const command: Command = {
  name: 'boot',
  summary: 'not built yet',
  usage: 'bootmedic boot',
  async run(_argv, ctx) {
    ctx.stderr.write("bootmedic: 'boot' is not built yet\n");
    return EXIT.unavailable;
  },
};
