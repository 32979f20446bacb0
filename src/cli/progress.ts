// The CLI's one progress display, on stderr. Live (a terminal, not CI): the current status
// is redrawn in place with a running clock, and finished items are kept as lines above it.
// Otherwise (a pipe, a log file, CI): only the finished items, one plain line each.

/** Something to write progress to (process.stderr, a test stream). */
export type ProgressStream = { write(s: string): unknown; isTTY?: boolean };

/** A progress display. */
export type Progress = {
  /** What is running now; shown (and redrawn with its clock) on a live display only. */
  status(text: string): void;
  /** A finished item, kept in the output in both modes. */
  line(text: string): void;
  /** Ends the display (clears the status line). */
  close(): void;
};

const CLEAR = '\r\x1b[2K';

/** Creates a progress display on `stream`: live only on a TTY and never in CI. */
export function createProgress(stream: ProgressStream, o: { ci: boolean; now?: () => number }): Progress {
  const now = o.now ?? Date.now;
  const live = stream.isTTY === true && !o.ci;
  let current: { text: string; at: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    if (current) stream.write(`${CLEAR}${current.text} (${((now() - current.at) / 1000).toFixed(1)} s)`);
  };
  return {
    status(text) {
      if (!live) return;
      current = { text, at: now() };
      draw();
      if (timer === undefined) {
        timer = setInterval(draw, 250);
        timer.unref();
      }
    },
    line(text) {
      if (!live) {
        stream.write(`${text}\n`);
        return;
      }
      stream.write(`${CLEAR}${text}\n`);
      draw();
    },
    close() {
      clearInterval(timer);
      timer = undefined;
      if (live && current) stream.write(CLEAR);
      current = undefined;
    },
  };
}
