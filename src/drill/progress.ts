import type { ScenarioResult } from './stats.ts';

// What a drill's progress says, as text; the CLI's progress display shows it (a live
// status on a terminal, kept lines everywhere).

/** One progress update of runDrill (its onProgress). */
export type DrillProgress = { done: number; total: number; current?: string; last?: ScenarioResult; phase: 'baseline' | 'scenario' | 'done' };

const bar = (done: number, total: number) => {
  const w = 24;
  const n = total === 0 ? w : Math.round((done / total) * w);
  return `[${'#'.repeat(n)}${'.'.repeat(w - n)}] ${done}/${total}`;
};

const scenarioLine = (r: ScenarioResult) =>
  `${r.index} ${r.name}: ${r.outcome}${r.mttrMs !== undefined ? ` in ${(r.mttrMs / 1000).toFixed(1)} s` : ''}${r.topCause ? `, diagnosed ${r.topCause}${r.top1Correct ? '' : ' (wrong)'}` : ''}${r.ok ? '' : ` [expected ${r.expectedOutcome}]`}`;

/** An update as a transient status (what runs now) and/or a line to keep (what finished). */
export function describeProgress(p: DrillProgress): { status?: string; line?: string } {
  if (p.phase === 'baseline') return { line: `drill: ${p.current ?? 'baseline'}` };
  if (p.last !== undefined) return { line: `drill ${bar(p.done, p.total)} ${scenarioLine(p.last)}` };
  if (p.phase === 'scenario' && p.current !== undefined) return { status: `${bar(p.done, p.total)} ${p.current}` };
  return {};
}
