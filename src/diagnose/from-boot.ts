import { z } from 'zod';
import { BOOT_PHASES } from '../core/index.ts';
import type { Evidence, EvidencePhase, FindingLike } from './evidence.ts';
import { FindingLikeSchema } from './evidence.ts';
import { diagnoseErrors } from './errors.ts';

// Adapters from what other parts produce to Evidence. They read structurally (zod,
// unknown keys ignored) so diagnose/ does not import the supervisor or signatures.

const PHASE = z.enum(BOOT_PHASES);

/** The fields of a stored boot record (the supervisor's BootOutcome) that diagnosis reads. */
const BootRecordSchema = z.object({
  status: z.enum(['ready', 'failed', 'stalled', 'interrupted', 'bootmedic-died']),
  phase: PHASE,
  cause: z.string().optional(),
  findings: z.array(FindingLikeSchema).default([]),
  accel: z.enum(['kvm', 'tcg']).optional(),
  qemu: z.object({ exitCode: z.number().nullable(), signal: z.string().nullable(), stderr: z.string() }).partial().optional(),
  qmpEvents: z.array(z.object({ event: z.string() })).default([]),
  resets: z.number().int().nonnegative().optional(),
  memoryMiB: z.number().positive().optional(),
});

/** Evidence from `analyzeLog` (signatures/) over a saved console: only findings and the last phase are known. */
export function evidenceFromAnalysis(a: { findings: readonly FindingLike[]; lastPhase: string; lines: number }): Evidence {
  // "incomplete-boot" is how an offline log says the boot stopped without an error: a stall.
  const fatal = a.findings.some((f) => f.family !== 'incomplete-boot' && (f.severity === 'fatal' || f.stopsBoot === true));
  const phase = PHASE.safeParse(a.lastPhase);
  const p: EvidencePhase = a.lines === 0 ? 'none' : phase.success ? phase.data : 'firmware';
  return { findings: [...a.findings], phase: p, status: fatal ? 'failed' : 'stalled' };
}

/**
 * Evidence from a stored boot record (the supervisor's BootOutcome, kept as JSON in the
 * store). Throws DIAGNOSE_BAD_EVIDENCE naming the field when the record has another shape.
 */
export function evidenceFromBootRecord(record: unknown, where: string, extra: Partial<Evidence> = {}): Evidence {
  const r = BootRecordSchema.safeParse(record);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw diagnoseErrors.make('DIAGNOSE_BAD_EVIDENCE', `${where}: ${i.path.join('.') || '(top level)'}: ${i.message}`);
  }
  const b = r.data;
  if (b.status === 'ready') {
    throw diagnoseErrors.make('DIAGNOSE_BAD_EVIDENCE', `${where}: this boot reached ready; there is nothing to diagnose`, { fix: 'Pass the id of a failed or stalled boot.' });
  }
  if (b.status === 'interrupted' || b.status === 'bootmedic-died') {
    throw diagnoseErrors.make('DIAGNOSE_BAD_EVIDENCE', `${where}: this boot ended ${b.status} before any verdict; there is nothing to diagnose`, { fix: 'Pass the id of a failed or stalled boot, or boot the VM again.' });
  }
  // QEMU ended on its own only for these verdicts; otherwise the supervisor stopped it.
  const exitedOnItsOwn = b.cause === 'qemu-exit' || b.cause === 'guest-shutdown';
  const failures = b.findings.filter((f) => f.severity !== 'info');
  // Direct kernel boots and SeaBIOS print nothing on the serial port before the kernel:
  // a boot still "in firmware" whose QEMU died with no finding never printed anything.
  const phase: EvidencePhase = b.phase === 'firmware' && failures.length === 0 && b.cause === 'qemu-exit' ? 'none' : b.phase;
  const qmp: Record<string, number> = {};
  for (const e of b.qmpEvents) qmp[e.event] = (qmp[e.event] ?? 0) + 1;
  if (b.resets !== undefined) qmp['RESET'] = Math.max(qmp['RESET'] ?? 0, b.resets);
  // The supervisor's own verdicts are evidence too: a boot loop has no console message.
  const findings: FindingLike[] = [...b.findings];
  if (b.cause === 'boot-loop' && !findings.some((f) => f.family === 'boot-loop')) {
    findings.push({ id: 'boot.loop', family: 'boot-loop', title: (record as { reason?: string }).reason ?? 'boot loop', severity: 'fatal', stopsBoot: true });
  }
  return {
    findings,
    phase,
    status: b.status,
    ...(b.accel !== undefined ? { accel: b.accel } : {}),
    ...(b.memoryMiB !== undefined ? { memoryMiB: b.memoryMiB } : {}),
    ...(b.qemu !== undefined
      ? { qemu: { running: !exitedOnItsOwn, exitCode: b.qemu.exitCode ?? null, signal: b.qemu.signal ?? null, stderr: b.qemu.stderr ?? '', killedByUs: !exitedOnItsOwn } }
      : {}),
    qmp,
    ...extra,
  };
}
