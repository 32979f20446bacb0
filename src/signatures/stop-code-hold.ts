// A stop-code finding waiting for its parameter lines (vmware.log prints one MSR per
// line; kb/boot-chain.json `stopCode.paramLines`): each such line adds a parameter and
// its evidence, and the first other line, or the last parameter, hands the finding on.
import type { ConsoleLine } from '../console/index.ts';
import type { Emit } from './boot-state.ts';
import { decodeStopCode } from './stop-codes.ts';
import type { Finding } from './types.ts';

type Held = { f: Finding; re: RegExp; left: number; params: string[]; code: string };

export type StopCodeHold = ReturnType<typeof createStopCodeHold>;

/** The held stop-code finding of one boot (at most one); hands findings on through `emit`. */
export function createStopCodeHold(emit: Emit) {
  let held: Held | undefined;

  /** Emits the held finding with the parameters gathered so far. */
  function release(out: Finding[]): void {
    const h = held;
    if (h === undefined) return;
    held = undefined;
    if (h.params.some((p) => p !== '')) {
      const stop = decodeStopCode(h.code, h.params.map((p) => (p === '' ? '0' : p)));
      if (stop !== undefined) h.f.stopCode = stop;
    }
    emit(out, h.f);
  }

  return {
    release,
    /** A finding waits for its parameter lines. */
    get waiting(): boolean {
      return held !== undefined;
    },
    /** Holds `f` (stop code `code`) for `lines` parameter lines matching `pattern`, handing on the one held before. */
    hold(out: Finding[], f: Finding, pattern: string, lines: number, code: string): void {
      release(out);
      held = { f, re: new RegExp(pattern), left: lines, params: ['', '', '', ''], code };
    },
    /** Feeds a line to the held finding; true when the line was one of its parameters. */
    feed(out: Finding[], line: ConsoleLine): boolean {
      const h = held;
      if (h === undefined) return false;
      const m = h.re.exec(line.text.length > 2048 ? line.text.slice(0, 2048) : line.text);
      if (m === null) {
        release(out);
        return false;
      }
      h.params[Number(m[1]) - 1] = m[2] ?? '';
      h.f.evidence.push({ line: line.no, text: line.raw });
      h.f.atMs = line.atMs;
      if (--h.left === 0) release(out);
      return true;
    },
  };
}
