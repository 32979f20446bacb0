// The engine's fast path: the LineSkipper it gives the line splitter. With the default
// ready markers and while no stop code waits for its parameters, a line without any
// literal of the current finder (compiled-kb.ts) finds nothing and changes no state but
// the ring, the last line and an open report window (where it waits as a slot; the line
// that fills the window goes through push(), which closes it). Before the kernel runs, a
// line with a kernel timestamp moves the phase, so those go through push() too; with
// custom ready matchers every line does.
import type { ByteBlock, LineSkipper, LiteralFinder } from '../console/index.ts';
import type { BootState } from './boot-state.ts';
import { RANK } from './compiled-kb.ts';
import type { CompiledKb } from './compiled-kb.ts';
import type { ReportWindow } from './report-window.ts';
import type { StopCodeHold } from './stop-code-hold.ts';
import { BOOT_PHASES } from './types.ts';

export type SkipPath = { readonly skipper: LineSkipper; refresh(): void };

/**
 * The skipper of one engine. `everyLine`: custom ready matchers, so every line goes
 * through push(). Call refresh() after each push(), partial() and end().
 */
export function createSkipPath(compiled: CompiledKb, st: BootState, window: ReportWindow, stop: StopCodeHold, everyLine: boolean): SkipPath {
  let finder: LiteralFinder | undefined;
  let finderKey = -1; // which compiled.finder() `finder` is
  const skipper = {
    byteScan: compiled.byteScan,
    all: true,
    timestamped: true,
    version: 0,
    next: (s: string, from: number, bytes?: ByteBlock) => finder!.next(s, from, bytes),
    occursIn: (line: string, bytes?: ByteBlock) => finder!.occursIn(line, bytes),
    skip(s: string, from: number, to: number, no: number, atMs: number): void {
      st.lastNo = no;
      st.lastSlot = window.skipped(s, from, to, no, atMs);
      // The line that fills the window closes it, with its findings: it goes to push().
      if (window.nearlyFull) skipper.all = true;
    },
  };
  return {
    skipper,
    refresh(): void {
      const inReport = window.isOpen;
      skipper.all = everyLine || stop.waiting || window.nearlyFull;
      // Timestamped lines go through push() until the first one has (it moves the phase and
      // says the kernel's lines are timestamped).
      skipper.timestamped = RANK[st.phase] < RANK.kernel || !st.sawKernelTs;
      if (skipper.all) return;
      const key = RANK[st.phase] + (inReport ? BOOT_PHASES.length : 0);
      if (key !== finderKey) {
        finderKey = key;
        finder = compiled.finder(st.phase, inReport);
        skipper.version++;
      }
    },
  };
}
