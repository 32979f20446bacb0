import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

// Placeholder until the part behind this command lands; it says so rather than pretend.
export const command: Command = {
  name: 'analyze',
  summary: 'not built yet',
  usage: 'bootmedic analyze',
  async run(_argv, ctx) {
    ctx.stderr.write("bootmedic: 'analyze' is not built yet\n");
    return EXIT.unavailable;
  },
};
