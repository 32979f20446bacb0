import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LIMIT } from '../core/index.ts';
import { computeTotals, writeReport } from '../drill/index.ts';
import type { DrillReport, ScenarioResult } from '../drill/index.ts';
import { diagnosisFor, exampleSpec, tempHome } from '../../testkit/index.ts';
import { writeHandOver } from './forensics.ts';

// Oversized reports are cut to their bounds with a visible marker, never refused.

test('a hand-over report with too many steps is bounded: the Markdown lists some and says how many are not shown, the JSON fits REPORT_FILE_MAX_BYTES', () => {
  const t = tempHome();
  try {
    const steps = Array.from({ length: 60_000 }, (_, i) => ({ seq: i + 1, remedy: `remedy-${i}`, outcome: `failed again: ${'why '.repeat(40)}` }));
    const report = { incidentId: 'inc-1', vm: 'tiny', reason: 'out of remedies', diagnosis: diagnosisFor({ 'kernel-panic': 0.9 } as never), posterior: [], steps, forensicSnapshots: [] };
    const md = writeHandOver(t.home, report, exampleSpec('tiny.yaml', t.home), undefined);
    const text = readFileSync(md, 'utf8');
    assert.match(text, /… 59800 more steps not shown; see hand-over\.json/);
    const json = readFileSync(join(t.home, 'incidents', 'inc-1', 'hand-over.json'), 'utf8');
    assert.ok(Buffer.byteLength(json) <= LIMIT.REPORT_FILE_MAX_BYTES, `${Buffer.byteLength(json)} bytes`);
    const j = JSON.parse(json) as { steps: unknown[]; truncated: { list: string; notShown: number; note: string }[] };
    const cut = j.truncated.find((c) => c.list === 'steps');
    assert.ok(cut);
    assert.equal(j.steps.length + cut.notShown, steps.length);
    assert.match(cut.note, /^… \d+ more steps not shown; see /);
  } finally {
    t.cleanup();
  }
});

test('the drill report files are bounded: JSON stays parseable, Markdown and HTML end with the marker', () => {
  const t = tempHome();
  try {
    const scen = (i: number): ScenarioResult => ({
      index: i, name: `scenario-${i}`, vm: 'tiny', faults: ['f'], trueCauses: ['kernel-panic'], recoverable: true, injected: [], detected: true,
      findings: Array.from({ length: 200 }, (_, k) => `finding ${k} ${'y'.repeat(60)}`), remedies: ['r'], outcome: 'recovered', expectedOutcome: 'recovered', ok: true,
    });
    const scenarios = Array.from({ length: 400 }, (_, i) => scen(i));
    const r: DrillReport = {
      id: 'd1', seed: 1, startedAt: 'a', finishedAt: 'b', accel: 'tcg', accelReason: 'test', cleanBoot: { bootId: 'c', ms: 1000 },
      scenarios, totals: computeTotals(scenarios, 1000), dir: t.home,
    };
    const max = 64 << 10;
    const files = writeReport(r, t.home, max);
    for (const f of Object.values(files)) assert.ok(Buffer.byteLength(readFileSync(f)) <= max, f);
    const j = JSON.parse(readFileSync(files.json, 'utf8')) as { truncated: { list: string; note: string }[] };
    assert.ok(j.truncated.length > 0);
    assert.match(j.truncated[0]!.note, /^… \d+ more (findings|scenarios) not shown; see /);
    assert.match(readFileSync(files.md, 'utf8'), /\n… \d+ more bytes not shown; see report\.json\n$/);
    assert.match(readFileSync(files.html, 'utf8'), /<p><strong>… \d+ more bytes not shown; see report\.json<\/strong><\/p><\/body><\/html>\n$/);
  } finally {
    t.cleanup();
  }
});
