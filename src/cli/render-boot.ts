import { assertNever, boundEvidence, LIMIT } from '../core/index.ts';
import type { BootOutcome, OutcomeStatus, SupervisorEvent } from '../supervisor/index.ts';
import type { Paint } from './style.ts';

const secs = (ms: number) => `${(ms / 1000).toFixed(2)}s`;


function statusWord(p: Paint, status: OutcomeStatus): string {
  switch (status) {
    case 'ready':
      return p.green('READY');
    case 'stalled':
      return p.yellow('STALLED');
    case 'failed':
      return p.red('FAILED');
    case 'interrupted':
      return p.yellow('INTERRUPTED');
    case 'bootmedic-died':
      return p.yellow('BOOTMEDIC DIED');
    default:
      return assertNever(status, 'boot status');
  }
}

/** One human line per supervisor event, as it happens (undefined: nothing to print). */
export function renderEvent(e: SupervisorEvent, p: Paint): string | undefined {
  switch (e.type) {
    case 'boot-start':
      return `${p.bold(e.vm)}  boot ${e.bootId}  accel ${e.accel}${e.accelReason ? p.dim(` (${e.accelReason})`) : ''}`;
    case 'phase':
      return `  ${p.dim(`+${secs(e.atMs)}`.padStart(9))}  ${e.phase.padEnd(10)} ${p.dim((e.evidence?.text ?? '').slice(0, 100))}`;
    case 'finding': {
      const f = e.finding;
      const sev = f.severity === 'fatal' || f.severity === 'error' ? p.red(f.severity) : p.yellow(f.severity);
      const line = `  ${p.dim(`+${secs(f.atMs ?? 0)}`.padStart(9))}  ${sev} ${f.family}: ${f.title}`;
      return f.stopCode === undefined ? line : `${line}\n             parameters ${f.stopCode.params.join(' ')}`;
    }
    case 'reset':
      return `  ${p.dim(`+${secs(e.atMs)}`.padStart(9))}  ${p.yellow('reset')} (guest reboot #${e.count})`;
    case 'verdict':
      return undefined;
    case 'outcome':
      return renderOutcome(e.outcome, p);
    case 'vm-exit':
      return p.dim(`${e.vm}  ${e.reason}`);
    case 'boot-abandoned':
      return `${p.bold(e.outcome.vm)}  ${p.yellow('earlier boot closed')} ${e.outcome.bootId}: ${statusWord(p, e.outcome.status)}: ${e.outcome.reason}${e.socket !== undefined ? `; removed stale QMP socket ${e.socket}` : ''}`;
    default:
      assertNever(e, 'supervisor event');
  }
}

/** The closing block of a boot: status, reason, evidence lines, where the console is. */
export function renderOutcome(o: BootOutcome, p: Paint): string {
  const head = `${p.bold(o.vm)}  ${statusWord(p, o.status)} after ${secs(o.durationMs)} in phase ${o.phase}: ${o.reason}`;
  const lines = [head];
  if (o.status !== 'ready') {
    if (o.evidence.length > 0) {
      lines.push('  evidence:');
      for (const ev of o.evidence.slice(0, 8)) lines.push(`    ${p.dim(`L${ev.line}`.padEnd(6))} ${p.red(ev.text.slice(0, 160))}`);
    }
    lines.push(p.dim(`  console: ${o.consoleLog}`));
  }
  return lines.join('\n');
}

/** The JSON object of `bootmedic boot --json` (the fields scripts rely on come first). */
export function outcomeJson(o: BootOutcome): Record<string, unknown> {
  return {
    status: o.status,
    phase: o.phase,
    reason: o.reason,
    // A report: evidence lines per finding bounded (REPORT_EVIDENCE_LINES_MAX), the rest counted.
    findings: boundEvidence(o.findings),
    timeline: o.timeline,
    accel: o.accel,
    durationMs: o.durationMs,
    vm: o.vm,
    bootId: o.bootId,
    cause: o.cause,
    accelReason: o.accelReason,
    evidence: o.evidence.slice(0, LIMIT.REPORT_EVIDENCE_LINES_MAX),
    ...(o.evidence.length > LIMIT.REPORT_EVIDENCE_LINES_MAX ? { evidenceNotShown: o.evidence.length - LIMIT.REPORT_EVIDENCE_LINES_MAX } : {}),
    qmpEvents: o.qmpEvents,
    qemu: o.qemu,
    resets: o.resets,
    stallBudget: o.stallBudget,
    startedAt: o.startedAt,
    consoleLog: o.consoleLog,
    runDir: o.runDir,
  };
}
