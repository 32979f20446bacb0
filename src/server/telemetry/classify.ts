// How a boot's end is labelled for metrics and alerts: its cause (the supervisor's verdict
// cause), and the layer and component to blame, from the finding that decided the verdict
// or, when no finding did, from the signature knowledge base's phase table (the same table
// the engine uses for a boot that stopped during a phase). Every value comes from a closed
// list, so label cardinality stays bounded whatever a guest prints.
import { COMPONENTS, LAYERS, defaultKb, type Finding } from '../../signatures/index.ts';
import type { BootOutcome, OutcomeCause, OutcomeStatus } from '../../supervisor/index.ts';

/** Every outcome cause, as a closed list (the compiler checks it covers OutcomeCause). */
const CAUSES: Record<OutcomeCause, true> = {
  'ready-signal': true,
  finding: true,
  'guest-panicked': true,
  'boot-loop': true,
  'guest-shutdown': true,
  'qemu-exit': true,
  stall: true,
  operator: true,
  'bootmedic-died': true,
};
export const OUTCOME_CAUSES = Object.keys(CAUSES) as OutcomeCause[];

const STATUSES: Record<OutcomeStatus, true> = { ready: true, failed: true, stalled: true, interrupted: true, 'bootmedic-died': true };
/** Every way a boot's record ends: the values of the `verdict` label. */
export const OUTCOME_STATUSES = Object.keys(STATUSES) as OutcomeStatus[];

/** The value a label takes when the input is outside its closed list. */
export const OTHER = 'other';

/** `value` when it is in `allowed`, else "other". */
export function bounded(value: string, allowed: readonly string[]): string {
  return allowed.includes(value) ? value : OTHER;
}

/** The causes of a failed or stalled verdict (the others end a ready boot or no verdict). */
export const FAILURE_CAUSES: readonly OutcomeCause[] = ['finding', 'guest-panicked', 'boot-loop', 'guest-shutdown', 'qemu-exit', 'stall'];

/**
 * Every (layer, component) the knowledge base can blame: its rules', its phase table's,
 * and the hypervisor's (QEMU exiting on its own). bootmedic_failures_total starts at 0 for
 * each, so that increase() sees a first failure too.
 */
export function blamePairs(): { layer: string; component: string }[] {
  const kb = defaultKb();
  const all = [...kb.rules, ...Object.values(kb.phases), { layer: 'hypervisor', component: 'hypervisor' }];
  const seen = new Map<string, { layer: string; component: string }>();
  for (const b of all) seen.set(`${b.layer}|${b.component}`, { layer: b.layer, component: b.component });
  return [...seen.values()];
}

/** The labels of a failed or stalled boot. */
export type FailureLabels = Readonly<{ cause: string; layer: string; component: string }>;

/** The finding that decided a failed verdict: the first that stops the boot, else the first error. */
export function decidingFinding(o: Pick<BootOutcome, 'findings'>): Finding | undefined {
  return o.findings.find((f) => f.stopsBoot && f.severity !== 'info') ?? o.findings.find((f) => f.severity === 'fatal' || f.severity === 'error');
}

/** Cause, layer and component of a boot's end, each from a closed list. */
export function failureLabels(o: Pick<BootOutcome, 'findings' | 'cause' | 'phase'>): FailureLabels {
  const f = decidingFinding(o);
  const blame = f ?? (o.cause === 'qemu-exit' ? { layer: 'hypervisor', component: 'hypervisor' } : defaultKb().phases[o.phase]);
  return {
    cause: bounded(o.cause, OUTCOME_CAUSES),
    layer: bounded(blame.layer, LAYERS),
    component: bounded(blame.component, COMPONENTS),
  };
}

/** Longest evidence text put in an annotation. */
const EVIDENCE_MAX = 500;

/** The evidence line of a failed boot (the outcome's first evidence line, else the deciding finding's, else the reason). */
export function evidenceLine(o: Pick<BootOutcome, 'findings' | 'evidence' | 'reason'>): string {
  const text = o.evidence[0]?.text ?? decidingFinding(o)?.evidence[0]?.text ?? o.reason;
  return text.length > EVIDENCE_MAX ? `${text.slice(0, EVIDENCE_MAX - 1)}…` : text;
}
