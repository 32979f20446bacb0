// Which alerts are active, decided from the hub's events alone (no timers, no network):
// the alerter feeds it events and sends what it holds. One alert per (alertname, vm).
//
//   BootFailed   a boot failed (critical)      resolved by the VM's next ready boot or a recovered incident
//   BootLoop     a boot failed on a reset loop  (same)
//   BootStalled  a boot stalled (warning)       (same)
//   IncidentOpen healing began (warning)        resolved when the incident closes, however it closes
//   HandedOver   healing gave up (critical)     resolved by the VM's next ready boot
import type { ServiceEvent } from '../../service/index.ts';
import type { HealEvent } from '../../heal/index.ts';
import type { BootOutcome, SupervisorEvent } from '../../supervisor/index.ts';
import { assertNever } from '../../core/index.ts';
import { evidenceLine, failureLabels, type FailureLabels } from './classify.ts';

export const ALERT_NAMES = ['BootFailed', 'BootLoop', 'BootStalled', 'IncidentOpen', 'HandedOver'] as const;
export type AlertName = (typeof ALERT_NAMES)[number];

/** One alert in Alertmanager's API v2 shape (postableAlert). */
export type Alert = Readonly<{
  labels: Readonly<{ alertname: AlertName; vm: string; cause: string; layer: string; severity: 'critical' | 'warning' }>;
  annotations: Readonly<Record<string, string>>;
  startsAt: string;
  /** Set when resolved (the time it was resolved). */
  endsAt?: string;
  generatorURL: string;
}>;

const BOOT_ALERTS: readonly AlertName[] = ['BootFailed', 'BootLoop', 'BootStalled'];

/** What the book knows beside the alerts: per VM, its last failure and its open incident's top cause. */
type VmFacts = { failure?: FailureLabels & { evidence: string }; incident?: string; topCause?: string };

export type AlertBook = Readonly<{
  /** Applies one event; true when an alert fired, changed or resolved. */
  apply(e: ServiceEvent): boolean;
  /** The alerts active now. */
  active(): Alert[];
  /** Alerts resolved since the last call, each with its endsAt; the caller delivers them. */
  takeResolved(): Alert[];
  /** True when resolved alerts wait for takeResolved(). */
  hasResolved(): boolean;
  /** Resolves the alerts of VMs not in `vms` (removed from the config) and forgets their facts; true when any was. */
  keepOnly(vms: ReadonlySet<string>): boolean;
}>;

/** Most VMs the book keeps facts about; the oldest without an active alert are forgotten past it. */
const MAX_VMS = 1000;

/**
 * Builds an empty alert book. `externalUrl` is where the dashboard is reached (links);
 * `now` gives ISO times (a test passes a fixed clock).
 */
export function createAlertBook(o: { externalUrl: string; now?: () => Date }): AlertBook {
  const now = () => (o.now ?? (() => new Date()))().toISOString();
  const base = o.externalUrl.replace(/\/+$/, '');
  const vmLink = (vm: string) => `${base}/#/vms/${encodeURIComponent(vm)}`;
  const incidentLink = (id: string) => `${base}/#/incidents/${encodeURIComponent(id)}`;
  const alerts = new Map<string, Alert>();
  let resolved: Alert[] = [];
  const facts = new Map<string, VmFacts>();
  const key = (name: AlertName, vm: string) => `${name}\u0000${vm}`;

  const factsOf = (vm: string): VmFacts => {
    let f = facts.get(vm);
    if (f === undefined) {
      if (facts.size >= MAX_VMS) {
        const idle = [...facts.keys()].find((v) => !ALERT_NAMES.some((n) => alerts.has(key(n, v))));
        if (idle !== undefined) facts.delete(idle);
      }
      facts.set(vm, (f = {}));
    }
    return f;
  };

  const annotations = (vm: string, summary: string, link: string): Record<string, string> => {
    const f = factsOf(vm);
    return {
      summary,
      evidence: f.failure?.evidence ?? '',
      ...(f.topCause !== undefined ? { top_cause: f.topCause } : {}),
      dashboard: link,
    };
  };

  const fire = (name: AlertName, vm: string, severity: 'critical' | 'warning', summary: string, link: string): boolean => {
    const f = factsOf(vm).failure;
    const labels = { alertname: name, vm, cause: f?.cause ?? 'unknown', layer: f?.layer ?? 'unknown', severity };
    const k = key(name, vm);
    const prev = alerts.get(k);
    // Labels are an alert's identity in Alertmanager: new labels are a new alert, and the old one ends.
    const same = prev !== undefined && JSON.stringify(prev.labels) === JSON.stringify(labels);
    if (prev !== undefined && !same) resolve(name, vm);
    alerts.set(k, { labels, annotations: annotations(vm, summary, link), startsAt: same ? prev.startsAt : now(), generatorURL: vmLink(vm) });
    return true;
  };

  const resolve = (name: AlertName, vm: string): boolean => {
    const k = key(name, vm);
    const a = alerts.get(k);
    if (a === undefined) return false;
    alerts.delete(k);
    resolved.push({ ...a, endsAt: now() });
    return true;
  };
  const resolveAll = (names: readonly AlertName[], vm: string) => names.map((n) => resolve(n, vm)).some(Boolean);

  /** Refreshes the annotations of a VM's active alerts (a diagnosis came). */
  const annotate = (vm: string): boolean => {
    let changed = false;
    for (const n of ALERT_NAMES) {
      const a = alerts.get(key(n, vm));
      if (a === undefined) continue;
      alerts.set(key(n, vm), { ...a, annotations: { ...a.annotations, ...annotations(vm, a.annotations['summary'] ?? '', a.annotations['dashboard'] ?? vmLink(vm)) } });
      changed = true;
    }
    return changed;
  };

  const onOutcome = (out: BootOutcome): boolean => {
    const vm = out.vm;
    switch (out.status) {
      case 'ready':
        return resolveAll([...BOOT_ALERTS, 'HandedOver'], vm);
      case 'failed':
      case 'stalled': {
        factsOf(vm).failure = { ...failureLabels(out), evidence: evidenceLine(out) };
        const name: AlertName = out.status === 'stalled' ? 'BootStalled' : out.cause === 'boot-loop' ? 'BootLoop' : 'BootFailed';
        // One boot alert per VM: a new kind of failure ends the previous kind.
        resolveAll(BOOT_ALERTS.filter((n) => n !== name), vm);
        const summary = `VM ${vm}: boot ${out.status}: ${out.reason}`.slice(0, 300);
        return fire(name, vm, out.status === 'stalled' ? 'warning' : 'critical', summary, vmLink(vm));
      }
      case 'interrupted':
      case 'bootmedic-died':
        return false;
      default:
        return assertNever(out.status, 'outcome status');
    }
  };

  const onBoot = (e: SupervisorEvent): boolean => {
    switch (e.type) {
      case 'verdict':
        // The ready verdict comes before the outcome: resolve at once.
        return e.status === 'ready' ? resolveAll([...BOOT_ALERTS, 'HandedOver'], e.vm) : false;
      case 'outcome':
        return onOutcome(e.outcome);
      case 'boot-start':
      case 'phase':
      case 'finding':
      case 'reset':
      case 'vm-exit':
      case 'boot-abandoned':
        return false;
      default:
        return assertNever(e, 'supervisor event');
    }
  };

  const onHeal = (vm: string, e: HealEvent): boolean => {
    const f = factsOf(vm);
    switch (e.type) {
      case 'incident-opened':
      case 'incident-resumed':
        f.incident = e.incidentId;
        return fire('IncidentOpen', vm, 'warning', `VM ${vm}: incident ${e.incidentId} open, bootmedic is healing it`, incidentLink(e.incidentId));
      case 'diagnosis': {
        const top = e.causes[0];
        if (top === undefined) return false;
        f.topCause = `${top.cause} (p=${top.probability.toFixed(2)})`;
        return annotate(vm);
      }
      case 'hand-over':
        return fire('HandedOver', vm, 'critical', `VM ${vm}: healing gave up, a human must take over: ${e.reason}`.slice(0, 300), incidentLink(e.incidentId));
      case 'incident-closed': {
        const changed = resolve('IncidentOpen', vm);
        delete f.incident;
        if (e.status !== 'recovered') return changed;
        delete f.topCause;
        return resolveAll([...BOOT_ALERTS, 'HandedOver'], vm) || changed;
      }
      case 'plan':
      case 'guardrail':
      case 'forensic-snapshot':
      case 'action':
      case 'result':
        return false;
      default:
        return assertNever(e, 'heal event');
    }
  };

  return {
    apply(ev) {
      switch (ev.kind) {
        case 'boot':
          return onBoot(ev.event);
        case 'heal':
          return onHeal(ev.vm, ev.event);
        case 'vm-state':
          return ev.state === 'ready' ? resolveAll([...BOOT_ALERTS, 'HandedOver'], ev.vm) : false;
        case 'console':
        case 'drill':
        case 'drill-end':
        case 'ledger':
          return false;
        default:
          return assertNever(ev, 'service event');
      }
    },
    active: () => [...alerts.values()],
    hasResolved: () => resolved.length > 0,
    keepOnly(vms) {
      let changed = false;
      for (const a of [...alerts.values()]) if (!vms.has(a.labels.vm)) changed = resolve(a.labels.alertname, a.labels.vm) || changed;
      for (const vm of [...facts.keys()]) if (!vms.has(vm)) facts.delete(vm);
      return changed;
    },
    takeResolved() {
      const r = resolved;
      resolved = [];
      return r;
    },
  };
}
