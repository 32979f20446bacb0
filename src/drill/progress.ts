import type { ScenarioResult } from './stats.ts';

// The drill's progress on stderr: a bar redrawn in place on a terminal, plain lines
// otherwise (CI logs, pipes), one per finished scenario.

type Writable = { write(s: string): unknown; isTTY?: boolean };

/** Creates a progress reporter; pass its `update` as runDrill's onProgress. */
export function createProgress(out: Writable, opts: { tty?: boolean } = {}) {
  const tty = opts.tty ?? out.isTTY === true;
  const bar = (done: number, total: number) => {
    const w = 24;
    const n = total === 0 ? w : Math.round((done / total) * w);
    return `[${'#'.repeat(n)}${'.'.repeat(w - n)}] ${done}/${total}`;
  };
  const line = (r: ScenarioResult) =>
    `${r.index} ${r.name}: ${r.outcome}${r.mttrMs !== undefined ? ` in ${(r.mttrMs / 1000).toFixed(1)} s` : ''}${r.topCause ? `, diagnosed ${r.topCause}${r.top1Correct ? '' : ' (wrong)'}` : ''}${r.ok ? '' : ` [expected ${r.expectedOutcome}]`}`;
  return {
    update(p: { done: number; total: number; current?: string; last?: ScenarioResult; phase: string }) {
      if (tty) {
        if (p.last) out.write(`\r\x1b[2K  ${line(p.last)}\n`);
        out.write(`\r\x1b[2K${bar(p.done, p.total)} ${p.phase === 'done' ? 'done\n' : (p.current ?? '')}`);
        return;
      }
      if (p.phase === 'baseline') out.write(`drill: ${p.current}\n`);
      if (p.last) out.write(`drill ${bar(p.done, p.total)} ${line(p.last)}\n`);
    },
  };
}
