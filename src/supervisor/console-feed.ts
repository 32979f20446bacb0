import type { PhaseTracker } from '../boot/index.ts';
import { createLineSplitter } from '../console/index.ts';
import { createSignatureEngine, type Finding } from '../signatures/index.ts';

export type ConsoleFeed = {
  push(chunk: Uint8Array): void;
  /**
   * Ends the console: flushes the last line and returns the engine's end-of-log findings
   * (where a log that stops short stopped, and the findings still held for their recovery,
   * settled against the tracker's ready verdict when there is one).
   */
  end(): Finding[];
};

/**
 * The console side of one boot: bytes → lines → signature findings → the phase tracker.
 * `now` gives the arrival time (ms) of the chunk being pushed. The supervisor feeds live
 * QEMU output through it; tests feed recordings with their own clock. `onLine` sees each
 * cleaned line (a live console view), before the findings it raises.
 */
export function createConsoleFeed(tracker: PhaseTracker, now: () => number, onLine?: (no: number, text: string, atMs: number) => void): ConsoleFeed {
  const engine = createSignatureEngine();
  const splitter = createLineSplitter({
    now,
    onLine: (line) => {
      tracker.line(line.no, line.raw, line.text, line.atMs);
      onLine?.(line.no, line.text, line.atMs);
      for (const f of engine.push(line)) tracker.finding(f);
    },
    onPartial: (text, atMs) => {
      tracker.partial(text, atMs);
      for (const f of engine.partial(text, atMs)) tracker.finding(f);
    },
  });
  return {
    push: (chunk) => splitter.push(chunk),
    end: () => {
      splitter.end();
      // The VM's own ready signal is the tracker's, which the engine does not know.
      return [...engine.end(tracker.verdict()?.status === 'ready' ? 'ready' : undefined)];
    },
  };
}
