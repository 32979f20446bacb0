import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeReport } from './report.ts';
import type { DrillReport } from './stats.ts';

// The end of a drill: the summary (totals and the JSON report's SHA-256) goes into the
// ledger, and the signed checkpoint covering it goes into the report, so anyone can check
// later that the report is the one recorded.

/** Records the drill in the ledger, then writes the report files with the covering checkpoint. */
export async function finishDrill(
  r: DrillReport,
  ledger: { append(e: { type: string; data: unknown }): Promise<{ index: number }>; checkpoint(): string } | undefined,
): Promise<{ report: DrillReport; files: { json: string; md: string; html: string } }> {
  let files = writeReport(r, r.dir);
  if (ledger === undefined) return { report: r, files };
  const sha256 = createHash('sha256').update(readFileSync(files.json)).digest('hex');
  const { index } = await ledger.append({ type: 'drill', data: { id: r.id, seed: r.seed, totals: r.totals, reportSha256: sha256, scenarios: r.scenarios.length } });
  const checkpoint = ledger.checkpoint();
  const report: DrillReport = { ...r, totals: { ...r.totals, checkpoint }, ledger: { index, checkpoint } };
  files = writeReport(report, r.dir);
  return { report, files };
}
