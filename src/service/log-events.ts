import { assertNever } from '../core/index.ts';
import type { ServiceEvent } from './events.ts';
import type { Logger } from './log.ts';

/** Logs what an operator reads in the journal: state changes, verdicts, heal steps, drills. Console lines and phases stay on the event stream (debug). */
export function logEvent(log: Logger, e: ServiceEvent): void {
  switch (e.kind) {
    case 'vm-state':
      log.info('vm state', { vm: e.vm, state: e.state, reason: e.reason });
      return;
    case 'boot': {
      const b = e.event;
      if (b.type === 'verdict') (b.status === 'ready' ? log.info : log.warn)('verdict', { vm: e.vm, bootId: b.bootId, status: b.status, reason: b.reason });
      else if (b.type === 'boot-start') log.info('boot started', { vm: e.vm, bootId: b.bootId, accel: b.accel });
      else if (b.type === 'finding') log.info('finding', { vm: e.vm, bootId: b.bootId, finding: b.finding.id, severity: b.finding.severity, line: b.finding.evidence[0]?.line });
      else if (b.type === 'boot-abandoned') log.warn('boot left open by a bootmedic that died, closed', { vm: e.vm, bootId: b.outcome.bootId });
      else log.debug(b.type, { vm: e.vm });
      return;
    }
    case 'heal': {
      const h = e.event;
      const id = h.incidentId;
      if (h.type === 'action') log.info('heal step', { vm: e.vm, incidentId: id, seq: h.seq, remedy: h.remedy, attempt: h.attempt });
      else if (h.type === 'result') log.info('heal result', { vm: e.vm, incidentId: id, seq: h.seq, remedy: h.remedy, status: h.status, fixed: h.fixed, reason: h.reason });
      else if (h.type === 'diagnosis') log.info('diagnosis', { vm: e.vm, incidentId: id, cause: h.causes[0]?.cause, probability: h.causes[0]?.probability, summary: h.summary });
      else if (h.type === 'hand-over') log.warn('handed over to a human', { vm: e.vm, incidentId: id, reason: h.reason });
      else if (h.type === 'guardrail') log.warn('heal guardrail', { vm: e.vm, incidentId: id, rule: h.rule, detail: h.detail });
      else if (h.type === 'incident-closed') log.info('incident closed', { vm: e.vm, incidentId: id, status: h.status, mttrMs: h.mttrMs, fixedBy: h.fixedBy });
      else log.info(`incident ${h.type.replace('incident-', '')}`, { vm: e.vm, incidentId: id });
      return;
    }
    case 'drill':
      if (e.progress.last !== undefined) log.info('drill scenario', { drill: e.drillId, done: e.progress.done, total: e.progress.total, outcome: e.progress.last.outcome });
      return;
    case 'console':
    case 'drill-end':
    case 'ledger':
      return;
    default:
      assertNever(e, 'service event');
  }
}
