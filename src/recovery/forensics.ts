import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { VmSpec } from '../config/index.ts';
import { boundJson, boundText, copyGuarded, LIMIT, notShown, writeFileAtomic } from '../core/index.ts';
import type { HandOverReport } from '../heal/index.ts';
import type { BootOutcome } from '../supervisor/index.ts';
import { plainSpec } from './vm-config.ts';

// What a human gets when healing stops short or is about to destroy evidence: byte copies
// of the failed VM's disks and boot files, and a hand-over report with the diagnosis, the
// posterior after each failed remedy, the steps and where the copies are.

/** Copies the VM's disks, boot files, configuration and last console before a destructive step; returns the folder. */
export async function keepForensics(home: string, step: { incidentId: string; seq: number }, spec: VmSpec, last: BootOutcome | undefined): Promise<string> {
  const dir = join(home, 'forensics', step.incidentId, `step-${step.seq}`);
  mkdirSync(dir, { recursive: true });
  // Copies, not internal snapshots: a header too damaged for qemu-img is still kept byte for byte.
  for (const d of spec.disks) if (existsSync(d.path)) copyGuarded(d.path, join(dir, basename(d.path)), { what: 'disk image', kind: 'disk' });
  for (const f of [spec.kernel, spec.initrd]) if (f !== undefined && f !== 'none' && existsSync(f)) copyGuarded(f, join(dir, basename(f)), { what: 'boot file' });
  writeFileAtomic(join(dir, 'vm.json'), `${JSON.stringify(plainSpec(spec), null, 2)}\n`);
  if (last?.consoleLog && existsSync(last.consoleLog)) copyFileSync(last.consoleLog, join(dir, 'console.log'));
  return dir;
}

/** Steps listed in hand-over.md (all are in hand-over.json, within its byte bound). */
const STEPS_SHOWN = Math.min(200, LIMIT.FINDINGS_PER_BOOT_MAX);

/** Writes the hand-over report (Markdown and JSON) of an incident; returns the Markdown path. */
export function writeHandOver(home: string, report: HandOverReport, spec: VmSpec, last: BootOutcome | undefined): string {
  const dir = join(home, 'incidents', report.incidentId);
  mkdirSync(dir, { recursive: true });
  const md = [
    `# Incident ${report.incidentId}: ${report.vm} handed over`,
    '',
    `Reason: ${report.reason}`,
    '',
    `Diagnosis: ${report.diagnosis.explanation.summary}`,
    '',
    '## Posterior after the remedies tried',
    ...report.posterior.slice(0, 5).map((c) => `- ${c.cause}: ${(c.probability * 100).toFixed(1)}%`),
    '',
    '## Steps',
    ...(report.steps.length > 0 ? report.steps.slice(0, STEPS_SHOWN).map((s) => `- ${s.seq}. ${s.remedy}: ${s.outcome}`) : ['- none (no remedy was likely enough to help)']),
    ...(report.steps.length > STEPS_SHOWN ? [`- ${notShown(report.steps.length - STEPS_SHOWN, 'steps', 'hand-over.json')}`] : []),
    '',
    '## Forensic copies',
    ...(report.forensicSnapshots.length > 0 ? report.forensicSnapshots.map((f) => `- ${f}`) : ['- none (no destructive step ran)']),
    '',
    `Last boot: ${last?.bootId ?? '(none)'} ${last?.consoleLog ? `(console: ${last.consoleLog})` : ''}`,
    '',
  ].join('\n');
  // Both files are bounded (LIMIT.REPORT_FILE_MAX_BYTES); what is cut is marked and points at the full record.
  const see = last?.consoleLog ?? join(home, 'incidents', report.incidentId);
  writeFileAtomic(join(dir, 'hand-over.md'), boundText(md, { see: 'hand-over.json' }));
  writeFileAtomic(join(dir, 'hand-over.json'), boundJson({ ...report, lastBoot: last?.bootId, vmConfig: plainSpec(spec) }, { see }));
  return join(dir, 'hand-over.md');
}
