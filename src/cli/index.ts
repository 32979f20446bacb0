export { main } from './main.ts';
export { EXIT, exitCodeOf, exitCodeOfClass } from './exit-codes.ts';
export type { Command, CommandContext } from './command.ts';
export { createProgress } from './progress.ts';
