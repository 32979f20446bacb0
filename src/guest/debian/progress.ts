// The progress display of a build, on stderr: on a terminal, the current step on one
// line with a running clock and each finished step kept above it; otherwise (a pipe, a
// log, CI) one plain timestamped line per step.

/** Something to write progress to (process.stderr, a test stream). */
export type ProgressStream = { write(s: string): unknown; isTTY?: boolean };

/** A progress display: `step` starts a step (ending the previous one), `close` ends the last. */
export type ProgressPrinter = { step: (text: string) => void; close: (ok: boolean) => void };

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Creates a progress display on `stream`; live redraws only on a TTY and never in CI. */
export function createProgressPrinter(stream: ProgressStream, o: { ci: boolean; now?: () => number }): ProgressPrinter {
  const now = o.now ?? Date.now;
  const t0 = now();
  const live = stream.isTTY === true && !o.ci;
  let current: { text: string; at: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    if (current) stream.write(`\r\x1b[K  … ${current.text} (${secs(now() - current.at)})`);
  };
  const finish = (mark: string): void => {
    if (!current) return;
    if (live) stream.write(`\r\x1b[K  ${mark} ${current.text} (${secs(now() - current.at)})\n`);
    current = undefined;
  };
  return {
    step(text) {
      if (live) {
        finish('✓');
        current = { text, at: now() };
        draw();
        if (!timer) {
          timer = setInterval(draw, 250);
          timer.unref();
        }
      } else {
        stream.write(`[debian ${secs(now() - t0).padStart(8)}] ${text}\n`);
      }
    },
    close(ok) {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (live) finish(ok ? '✓' : '✗');
    },
  };
}
