import type { ReadySignal } from '../config/index.ts';
import { assertNever } from '../core/index.ts';

/**
 * Builds the test for a VM's ready signal. Lines are checked whole; the unterminated
 * tail is checked too, because a login prompt has no newline after it.
 */
export function readyMatcher(signal: ReadySignal): { line(text: string): boolean; partial(text: string): boolean; describe: string } {
  switch (signal.type) {
    case 'marker':
      return { line: (t) => t.includes(signal.text), partial: (t) => t.includes(signal.text), describe: `console marker "${signal.text}"` };
    case 'login': {
      // getty prints "<hostname> login: " and waits; agetty may glue it after a blank line.
      const isPrompt = (t: string) => /\S login: ?$/.test(t.trimEnd() + ' ') && !t.includes('Last login');
      return { line: isPrompt, partial: isPrompt, describe: 'login prompt' };
    }
    case 'systemd-target': {
      // systemd 249+ prints "Reached target <unit> - <Description>."; older ones only the
      // description, which we cannot know here, so the unit name is required.
      const needle = `Reached target ${signal.target}`;
      return { line: (t) => t.includes(needle), partial: () => false, describe: `systemd ${signal.target}` };
    }
    default:
      assertNever(signal, 'ready signal');
  }
}
