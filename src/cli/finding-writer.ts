// The output of `bootmedic analyze`: findings written as they are found, human or JSON, and
// bounded like every report (LIMIT.REPORT_FILE_MAX_BYTES, REPORT_EVIDENCE_LINES_MAX), with
// a marker for what is not shown.
import { boundEvidence, LIMIT, notShown } from '../core/index.ts';
import { stopsBoot } from '../signatures/index.ts';
import type { Finding, LogSummary } from '../signatures/index.ts';
import { paint, type Paint } from './style.ts';

const SEVERITY_STYLE: Readonly<Record<Finding['severity'], keyof Paint>> = { info: 'dim', warning: 'yellow', error: 'red', fatal: 'boldRed' };

/** Writes findings as they are found, in the human or the JSON form; `end` writes what follows them. */
export function createFindingWriter(out: NodeJS.WritableStream, json: boolean, color: boolean, maxBytes: number = LIMIT.REPORT_FILE_MAX_BYTES) {
  const p = paint(color);
  let pending = json ? '{"findings":[' : '';
  let first = true;
  // The output is a report: bounded in bytes (room kept for its end) and in evidence lines per finding.
  const budget = Math.max(0, maxBytes - 512);
  let written = pending.length;
  let shown = 0;
  let firstFailing: Finding | undefined;
  const phases: string[] = [];
  return {
    finding(found: Finding): void {
      if (firstFailing === undefined && stopsBoot(found) && found.severity !== 'info') firstFailing = found;
      const f = boundEvidence([found])[0]!;
      if (json) {
        const piece = (first ? '' : ',') + JSON.stringify(f);
        if (written + Buffer.byteLength(piece) > budget) return;
        pending += piece;
        written += Buffer.byteLength(piece);
        shown++;
        first = false;
        return;
      }
      if (f.family === 'progress') phases.push(`${f.phase}@${f.evidence[0]?.line ?? '?'}`);
      if (f.severity === 'info') {
        shown++;
        return;
      }
      const before = pending.length;
      pending += `${p[SEVERITY_STYLE[f.severity]](f.severity.toUpperCase().padEnd(7))} ${f.title}\n`;
      pending += `        ${f.family} · ${f.component} / ${f.layer} · phase ${f.phase}${f.stopsBoot ? ' · stops the boot' : ''}  [${f.id}]\n`;
      if (f.stopCode !== undefined) pending += `        stop code ${f.stopCode.code} ${f.stopCode.name} (${f.stopCode.params.join(', ')})\n`;
      if (f.recovered !== undefined) pending += `        the boot went on to ${f.recovered.phase}, so ${f.recovered.from} → ${f.severity}${f.recovered.evidence === undefined ? '' : ` (line ${f.recovered.evidence.line})`}\n`;
      for (const e of f.evidence) pending += `  ${String(e.line).padStart(6)} | ${p.bold(e.text)}\n`;
      if (f.evidenceNotShown !== undefined) pending += `         ${notShown(f.evidenceNotShown, 'lines', 'the console log')}\n`;
      pending += '\n';
      const piece = Buffer.byteLength(pending.slice(before));
      if (written + piece > budget) {
        pending = pending.slice(0, before);
        return;
      }
      written += piece;
      shown++;
    },
    /** Hands what has gathered to the stream, waiting while the reader is behind (output is never piled up in memory). */
    async flush(): Promise<void> {
      if (pending === '') return;
      const ok = out.write(pending);
      pending = '';
      if (!ok) await new Promise<void>((resolve) => out.once('drain', resolve));
    },
    end(r: LogSummary): void {
      const more = r.findings - shown;
      if (json) {
        pending += `],"corrupted":${r.corrupted}${more > 0 ? `,"findingsNotShown":${more},"note":${JSON.stringify(notShown(more, 'findings', 'the console log'))}` : ''}}\n`;
      } else {
        if (more > 0) pending += `${notShown(more, 'findings', 'the console log')}\n`;
        pending += `phases: ${phases.length === 0 ? '(none recognised)' : phases.join(' → ')}\n`;
        pending += firstFailing === undefined ? `no boot failure found in ${r.lines} lines\n` : `boot failed: ${firstFailing.title} (${r.lines} lines)\n`;
      }
      out.write(pending);
      pending = '';
    },
  };
}

