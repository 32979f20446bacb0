import { mkdirSync } from 'node:fs';
import { boundJson, boundText, writeFileAtomic } from '../core/index.ts';
import { join } from 'node:path';
import type { DrillReport, ScenarioResult } from './stats.ts';

// The drill report in three forms: JSON (everything), Markdown (for a ticket or a README)
// and a self-contained HTML page whose charts are inline SVG (no scripts, no external assets).

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function totalsLines(r: DrillReport): string[][] {
  const t = r.totals;
  return [
    ['Scenarios', String(t.scenarios)],
    ['Detection rate', `${pct(t.detectionRate)} (${t.detected}/${t.scenarios})`],
    ['Top-1 diagnosis accuracy', pct(t.top1Accuracy)],
    ['Recovery rate (recoverable faults)', `${pct(t.recoveryRate)} (${t.recovered}/${t.recoverable})`],
    ['Clean hand-over (unrecoverable faults)', `${pct(t.handOverRate)} (${t.handedOver}/${t.unrecoverable})`],
    ['MTTR median / p95 / max', `${secs(t.mttrMedianMs)} / ${secs(t.mttrP95Ms)} / ${secs(t.mttrMaxMs)}`],
    ['One clean boot', secs(t.cleanBootMs)],
    ['Median MTTR / clean boot', t.mttrOverCleanBoot === null ? '-' : `${t.mttrOverCleanBoot}×`],
    ['Median verification boot to ready (the load of the drill itself)', secs(t.readyBootMedianMs)],
    ['Median MTTR / median verification boot', t.mttrOverReadyBoot === null ? '-' : `${t.mttrOverReadyBoot}×`],
    ...(t.rtoSeconds !== undefined ? [[`RTO ${t.rtoSeconds} s met`, t.rtoMet ? 'yes' : 'no']] : []),
    ['Errors', String(t.errors)],
  ];
}

const rowOf = (s: ScenarioResult) => [
  String(s.index),
  s.name,
  s.trueCauses.join(' + '),
  s.findings.slice(0, 2).join('; ') || (s.firstBoot ? s.firstBoot.reason : '-'),
  s.topCause === undefined ? '-' : `${s.topCause} ${pct(s.topProbability ?? 0)} ${s.top1Correct ? '✓' : '✗'}`,
  s.remedies.join(', ') || '-',
  secs(s.timeToDetectMs),
  secs(s.mttrMs),
  `${s.outcome}${s.ok ? '' : ` (expected ${s.expectedOutcome})`}${s.error ? `: ${s.error}` : ''}`,
];
const HEAD = ['#', 'Scenario', 'True cause', 'Findings', 'Top cause', 'Remedies tried', 'Detect', 'MTTR', 'Result'];

/** The report as Markdown. */
export function renderMarkdown(r: DrillReport): string {
  const out = [
    `# bootmedic drill ${r.id}`,
    '',
    `Seed ${r.seed}, ${r.scenarios.length} scenarios on the tiny guest, accelerator ${r.accel} (${r.accelReason}). ${r.startedAt} → ${r.finishedAt}.`,
    '',
    '## Totals',
    '',
    '| | |',
    '| --- | --- |',
    ...totalsLines(r).map(([a, b]) => `| ${a} | ${b} |`),
    '',
    '## Scenarios',
    '',
    `| ${HEAD.join(' | ')} |`,
    `| ${HEAD.map(() => '---').join(' | ')} |`,
    ...r.scenarios.map((s) => `| ${rowOf(s).map(cell).join(' | ')} |`),
    '',
    '## Ledger',
    '',
    r.ledger ? `The drill summary is ledger entry ${r.ledger.index}; this signed checkpoint covers it (check with \`bootmedic ledger verify\`):` : 'No ledger checkpoint was recorded.',
    '',
    ...(r.ledger ? ['```', r.ledger.checkpoint.trimEnd(), '```', ''] : []),
  ];
  return out.join('\n');
}

function barChart(title: string, items: { label: string; value: number; color: string }[], unit: string): string {
  const w = 720;
  const rowH = 18;
  const left = 190;
  const max = Math.max(1, ...items.map((i) => i.value));
  const h = 30 + items.length * rowH + 10;
  const bars = items
    .map((it, k) => {
      const y = 30 + k * rowH;
      const bw = Math.max(1, ((w - left - 70) * it.value) / max);
      return `<text x="${left - 6}" y="${y + 12}" text-anchor="end" font-size="11">${esc(it.label)}</text><rect x="${left}" y="${y + 2}" width="${bw.toFixed(1)}" height="${rowH - 5}" fill="${it.color}"/><text x="${(left + bw + 4).toFixed(1)}" y="${y + 12}" font-size="11">${it.value.toFixed(1)} ${unit}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" role="img" aria-label="${esc(title)}"><text x="0" y="16" font-size="13" font-weight="bold">${esc(title)}</text>${bars}</svg>`;
}

/** The report as a self-contained HTML page with inline SVG charts. */
export function renderHtml(r: DrillReport): string {
  const t = r.totals;
  const rates = barChart(
    'Rates',
    [
      { label: 'detection', value: t.detectionRate * 100, color: '#4a7' },
      { label: 'top-1 diagnosis', value: t.top1Accuracy * 100, color: '#47a' },
      { label: 'recovery', value: t.recoveryRate * 100, color: '#a74' },
      { label: 'clean hand-over', value: t.handOverRate * 100, color: '#777' },
    ],
    '%',
  );
  const mttr = barChart(
    'Time to detect + MTTR per scenario (grey: one clean boot for scale)',
    [
      { label: 'clean boot', value: t.cleanBootMs / 1000, color: '#bbb' },
      ...r.scenarios.map((s) => ({ label: `${s.index} ${s.name}`, value: ((s.timeToDetectMs ?? 0) + (s.mttrMs ?? 0)) / 1000, color: s.outcome === 'recovered' ? '#4a7' : s.ok ? '#888' : '#c44' })),
    ],
    's',
  );
  const rows = r.scenarios.map((s) => `<tr class="${s.ok ? 'ok' : 'bad'}">${rowOf(s).map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bootmedic drill ${esc(r.id)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;font-size:12px}tr.bad td{background:#fdd}pre{background:#f4f4f4;padding:8px;overflow:auto}</style>
</head><body>
<h1>bootmedic drill ${esc(r.id)}</h1>
<p>Seed ${r.seed}, ${r.scenarios.length} scenarios on the tiny guest, accelerator ${esc(r.accel)} (${esc(r.accelReason)}). ${esc(r.startedAt)} → ${esc(r.finishedAt)}.</p>
<table>${totalsLines(r).map(([a, b]) => `<tr><th>${esc(a!)}</th><td>${esc(b!)}</td></tr>`).join('')}</table>
<p>${rates}</p><p>${mttr}</p>
<h2>Scenarios</h2>
<table><tr>${HEAD.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>
${rows}</table>
<h2>Ledger</h2>
${r.ledger ? `<p>The drill summary is ledger entry ${r.ledger.index}; this signed checkpoint covers it:</p><pre>${esc(r.ledger.checkpoint)}</pre>` : '<p>No ledger checkpoint was recorded.</p>'}
</body></html>
`;
}

/** Writes report.json, report.md and report.html into `dir`; returns their paths. */
export function writeReport(r: DrillReport, dir: string, maxBytes?: number): { json: string; md: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const files = { json: join(dir, 'report.json'), md: join(dir, 'report.md'), html: join(dir, 'report.html') };
  // Each file is bounded (LIMIT.REPORT_FILE_MAX_BYTES, or maxBytes); what is cut is marked.
  const bound = maxBytes === undefined ? {} : { maxBytes };
  writeFileAtomic(files.json, boundJson(r, { see: 'the boot consoles under the drill folder', ...bound }));
  writeFileAtomic(files.md, boundText(renderMarkdown(r), { see: 'report.json', ...bound }));
  writeFileAtomic(files.html, boundText(renderHtml(r), { see: 'report.json', ...bound, wrap: (m) => `\n</table><p><strong>${esc(m)}</strong></p></body></html>\n` }));
  return files;
}
