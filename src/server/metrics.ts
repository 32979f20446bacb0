// The service's Prometheus metrics: a listener on the hub that turns boot, heal, VM-state
// and ledger events into prom-client metrics on a private registry, and renders them
// together with the host and VM gauges of monitor/ (its own exposition renderer) as one
// exposition text for GET /metrics. docs/metrics.md lists every metric.
import { METRICS, renderExposition, type Sample } from '../monitor/index.ts';
import { defaultRemedies } from '../heal/index.ts';
import { BOOT_PHASES } from '../core/index.ts';
import type { Hub, ServiceEvent, VmState } from '../service/index.ts';
import type { BootOutcome, SupervisorEvent } from '../supervisor/index.ts';
import type { HealEvent } from '../heal/index.ts';
import type { Store } from '../store/index.ts';
import { assertNever } from '../core/index.ts';
import { FAILURE_CAUSES, OUTCOME_STATUSES, blamePairs, bounded, failureLabels } from './telemetry/classify.ts';
import { HEAL_RESULTS, INCIDENT_CLOSINGS, VM_STATES, defineServiceMetrics, type AlerterView } from './telemetry/metric-defs.ts';
import { ALERT_NAMES } from './telemetry/alert-book.ts';
import { createLatencyClock } from './telemetry/latency.ts';

/** Longest VM name used as a label value (monitor/'s renderer has the same bound). */
const VM_NAME_MAX = 128;

export type MetricsOptions = Readonly<{
  /**
   * The configured VMs and their states (the service's `fleet()`). When given, it is the
   * truth at each scrape: series of VMs no longer in it are dropped, new ones start at 0.
   */
  fleet?: () => readonly Readonly<{ name: string; state: VmState }>[];
  /** Clients of the SSE stream now (adds bootmedic_sse_clients). */
  sseClients?: () => number;
  /** The Alertmanager pusher (adds bootmedic_alerts_active and bootmedic_alertmanager_failures). */
  alerter?: AlerterView;
  /** The latest host and VM samples of monitor/'s collection loop, appended to the text. */
  hostSamples?: () => readonly Sample[];
  /** Remedy ids allowed in the `remedy` label (default: the shipped remedies); others become "other". */
  remedies?: readonly string[];
  /** Seeds, read from the store and the ledger at start. */
  ledgerSize?: number;
  openIncidents?: readonly Readonly<{ id: string; vm: string }>[];
  /** Most VMs learnt from events when no fleet is given (default 1000); later ones are not labelled. */
  maxVms?: number;
  /** The process clock the supervisor stamps `detectedAt` with (performance.now). */
  perfNow?: () => number;
}>;

export type Metrics = Readonly<{
  registry: import('prom-client').Registry;
  /** The content type of `render()`'s text. */
  contentType: string;
  /** The whole exposition: the service's metrics, then the host and VM gauges. */
  render(): Promise<string>;
  /** Every metric family name `render()` can expose (Grafana and docs checks use it). */
  names(): string[];
  /** Unsubscribes from the hub. */
  close(): void;
}>;

/**
 * Builds the service's metrics and subscribes them to the hub.
 * @example
 * const metrics = createMetrics(service.hub, { fleet: () => service.fleet() });
 * app.get('/metrics', async (c) => c.body(await metrics.render(), 200, { 'content-type': metrics.contentType }));
 */
export function createMetrics(hub: Hub, opts: MetricsOptions = {}): Metrics {
  const { registry, m } = defineServiceMetrics(opts.sseClients, opts.alerter, ALERT_NAMES);
  const remedies = opts.remedies ?? defaultRemedies().remedies.map((r) => r.id);
  const maxVms = opts.maxVms ?? 1000;
  const latency = createLatencyClock(opts.perfNow ?? (() => performance.now()));
  const states = new Map<string, VmState>();
  const open = new Map<string, string>();
  for (const i of opts.openIncidents ?? []) open.set(i.id, i.vm);
  m.incidentsOpen.set(open.size);
  m.ledger.set(opts.ledgerSize ?? 0);
  // Counters start at 0 for every label set they can take (bounded: about 120 failure
  // series and 60 heal-action series), so that increase() counts the first event too.
  for (const s of INCIDENT_CLOSINGS) m.incidentsClosed.inc({ status: s }, 0);
  for (const cause of FAILURE_CAUSES) for (const b of blamePairs()) m.failures.inc({ cause, ...b }, 0);
  for (const remedy of remedies) for (const result of HEAL_RESULTS) m.healActions.inc({ remedy, result }, 0);

  /** True when `vm` may be a label value: a configured VM (with a fleet), or one of the first maxVms seen. */
  const allowed = (vm: string): boolean => {
    if (vm.length === 0 || vm.length > VM_NAME_MAX) return false;
    return opts.fleet !== undefined ? opts.fleet().some((v) => v.name === vm) : states.size < maxVms;
  };
  /** Starts a VM's series at 0 so that rate() works from its first boot. */
  const addVm = (vm: string): boolean => {
    if (states.has(vm)) return true;
    if (!allowed(vm)) return false;
    states.set(vm, 'starting');
    for (const verdict of OUTCOME_STATUSES) m.boots.inc({ vm, verdict }, 0);
    setState(vm, 'starting');
    return true;
  };
  const dropVm = (vm: string) => {
    states.delete(vm);
    for (const verdict of OUTCOME_STATUSES) m.boots.remove({ vm, verdict });
    m.vmUp.remove({ vm });
    for (const state of VM_STATES) m.vmState.remove({ vm, state });
  };
  const setState = (vm: string, state: VmState) => {
    states.set(vm, state);
    m.vmUp.set({ vm }, state === 'ready' ? 1 : 0);
    for (const s of VM_STATES) m.vmState.set({ vm, state: s }, s === state ? 1 : 0);
  };
  const syncFleet = () => {
    if (opts.fleet === undefined) return;
    const fleet = opts.fleet();
    const names = new Set(fleet.map((v) => v.name));
    for (const vm of [...states.keys()]) if (!names.has(vm)) dropVm(vm);
    for (const v of fleet) if (addVm(v.name) && states.get(v.name) !== v.state) setState(v.name, v.state);
  };
  syncFleet();

  const onOutcome = (o: BootOutcome) => {
    if (addVm(o.vm)) m.boots.inc({ vm: o.vm, verdict: o.status });
    latency.forget(o.bootId);
    if (o.status === 'interrupted' || o.status === 'bootmedic-died') return;
    // Each timeline entry followed by another is a phase the boot finished.
    for (let i = 0; i + 1 < o.timeline.length; i++) {
      const a = o.timeline[i]!;
      const b = o.timeline[i + 1]!;
      if (b.atMs >= a.atMs) m.phaseDuration.observe({ phase: bounded(a.phase, BOOT_PHASES) }, (b.atMs - a.atMs) / 1000);
    }
    if (o.status === 'ready') m.bootDuration.observe(o.durationMs / 1000);
    else m.failures.inc(failureLabels(o));
  };

  const onBoot = (e: SupervisorEvent) => {
    switch (e.type) {
      case 'boot-start':
      case 'phase':
      case 'reset':
        latency.seen(e.bootId, e.atMs);
        return;
      case 'verdict':
      {
        const ms = e.status === 'failed' ? latency.since(e.bootId, e.atMs, e.detectedAt) : undefined;
        if (ms !== undefined) m.detection.observe(ms / 1000);
        return;
      }
      case 'outcome':
        return onOutcome(e.outcome);
      case 'boot-abandoned':
        if (addVm(e.outcome.vm)) m.boots.inc({ vm: e.outcome.vm, verdict: e.outcome.status });
        return;
      case 'finding':
      case 'vm-exit':
        return;
      default:
        assertNever(e, 'supervisor event');
    }
  };

  const onHeal = (vm: string, e: HealEvent) => {
    switch (e.type) {
      case 'incident-opened':
      case 'incident-resumed':
        open.set(e.incidentId, vm);
        break;
      case 'incident-closed':
        open.delete(e.incidentId);
        m.incidentsClosed.inc({ status: bounded(e.status, INCIDENT_CLOSINGS) });
        if (e.status === 'recovered' && e.mttrMs !== undefined) m.mttr.observe(e.mttrMs / 1000);
        break;
      case 'result':
        m.healActions.inc({ remedy: bounded(e.remedy, remedies), result: bounded(e.status, HEAL_RESULTS) });
        break;
      case 'diagnosis':
      case 'plan':
      case 'guardrail':
      case 'forensic-snapshot':
      case 'action':
      case 'hand-over':
        break;
      default:
        assertNever(e, 'heal event');
    }
    m.incidentsOpen.set(open.size);
  };

  const onEvent = (ev: ServiceEvent) => {
    switch (ev.kind) {
      case 'boot':
        return onBoot(ev.event);
      case 'heal':
        return onHeal(ev.vm, ev.event);
      case 'console':
        latency.seen(ev.bootId, ev.atMs);
        return;
      case 'vm-state':
        if (addVm(ev.vm)) setState(ev.vm, ev.state);
        return;
      case 'ledger':
        m.ledger.set(ev.size);
        return;
      case 'drill':
      case 'drill-end':
        return;
      default:
        assertNever(ev, 'service event');
    }
  };
  const sub = hub.subscribe((s) => onEvent(s.event));

  const hostText = (): string => {
    const all = opts.hostSamples?.() ?? [];
    // VM samples of VMs the service no longer watches are left out, like its own series.
    const samples = opts.fleet === undefined ? all : all.filter((s) => s.labels?.['vm'] === undefined || states.has(s.labels['vm']));
    try {
      return renderExposition(samples);
    } catch {
      // One sample with bad labels (monitor/ refuses it) must not take /metrics down.
      return renderExposition(samples.filter((s) => ok(() => renderExposition([s]))));
    }
  };

  return {
    registry,
    contentType: registry.contentType,
    async render() {
      syncFleet();
      m.vms.set(states.size);
      return `${await registry.metrics()}${hostText()}`;
    },
    names: () => [...registry.getMetricsAsArray().map((x) => (x as unknown as { name: string }).name), ...Object.keys(METRICS)].sort(),
    close: () => sub.unsubscribe(),
  };
}

/**
 * The seeds of `createMetrics` read at start: the ledger's size and the open incidents of
 * the configured VMs (one query per VM, at most one open incident each).
 * @example
 * const metrics = createMetrics(service.hub, { fleet: () => service.fleet(), ...metricsSeed(service) });
 */
export function metricsSeed(s: Readonly<{ store: Pick<Store, 'incidents'>; ledger: Readonly<{ size: number }>; fleet(): readonly Readonly<{ name: string }>[] }>): { ledgerSize: number; openIncidents: { id: string; vm: string }[] } {
  const openIncidents = s.fleet().flatMap((v) => {
    const i = s.store.incidents.findOpen(v.name);
    return i === undefined ? [] : [{ id: i.id, vm: v.name }];
  });
  return { ledgerSize: s.ledger.size, openIncidents };
}

function ok(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}
