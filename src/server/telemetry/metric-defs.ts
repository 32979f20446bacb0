// The service's own Prometheus metrics, declared once on a private prom-client registry.
// Labels are closed lists (verdicts, outcome causes, layers, components, remedies, VM
// states) or the names of configured VMs, never boot ids, evidence or free text.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { VmState } from '../../service/index.ts';

/** Every VM state, one-hot in bootmedic_vm_state (the compiler checks the list is whole). */
const STATES: Record<VmState, true> = { starting: true, queued: true, booting: true, ready: true, failed: true, stalled: true, healing: true, 'handed-over': true, stopped: true };
export const VM_STATES = Object.keys(STATES) as VmState[];

/** Results of a heal action: the verification boot's status, or "error" when the action itself failed. */
export const HEAL_RESULTS = ['ready', 'failed', 'stalled', 'shutdown', 'error'] as const;
/** How an incident closed. */
export const INCIDENT_CLOSINGS = ['recovered', 'handed-over', 'shutdown'] as const;

/** Histogram buckets, in seconds. */
const PHASE_BUCKETS = [0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
const BOOT_BUCKETS = [1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 300, 600];
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const MTTR_BUCKETS = [5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** What the alerter tells the metrics (its `active()` and `status()`). */
export type AlerterView = Readonly<{ active(): readonly Readonly<{ labels: Readonly<{ alertname: string }> }>[]; status(): readonly Readonly<{ url: string; failures: number; waiting: number }>[] }>;

/** Builds the metrics on a fresh private registry. */
export function defineServiceMetrics(sseClients?: () => number, alerter?: AlerterView, alertNames: readonly string[] = []) {
  const registry = new Registry();
  const r = [registry];
  const m = {
    boots: new Counter({ name: 'bootmedic_boots_total', help: 'Boots that ended, by VM and verdict (ready, failed, stalled; interrupted and bootmedic-died are no verdict on the VM).', labelNames: ['vm', 'verdict'] as const, registers: r }),
    phaseDuration: new Histogram({ name: 'bootmedic_boot_phase_duration_seconds', help: 'Time spent in each boot phase that the boot left for a later one (from the outcome timelines).', labelNames: ['phase'] as const, buckets: PHASE_BUCKETS, registers: r }),
    bootDuration: new Histogram({ name: 'bootmedic_boot_duration_seconds', help: 'Time from the start of a boot to its ready verdict.', buckets: BOOT_BUCKETS, registers: r }),
    failures: new Counter({ name: 'bootmedic_failures_total', help: 'Failed and stalled boots by verdict cause and by the layer and component to blame.', labelNames: ['cause', 'layer', 'component'] as const, registers: r }),
    detection: new Histogram({ name: 'bootmedic_detection_latency_seconds', help: "Time from the arrival of the console chunk (or QMP event) that decided a failed verdict to the supervisor's decision.", buckets: LATENCY_BUCKETS, registers: r }),
    incidentsOpen: new Gauge({ name: 'bootmedic_incidents_open', help: 'Incidents open now (healing in progress or suspended).', registers: r }),
    incidentsClosed: new Counter({ name: 'bootmedic_incidents_closed_total', help: 'Incidents closed, by how they closed (recovered, handed-over, shutdown).', labelNames: ['status'] as const, registers: r }),
    mttr: new Histogram({ name: 'bootmedic_mttr_seconds', help: 'Time to recovery of recovered incidents: from the detection of the failure to the ready boot.', buckets: MTTR_BUCKETS, registers: r }),
    healActions: new Counter({ name: 'bootmedic_heal_actions_total', help: 'Remedies carried out, by remedy and by the result of the verification boot (ready, failed, stalled, shutdown, error).', labelNames: ['remedy', 'result'] as const, registers: r }),
    ledger: new Gauge({ name: 'bootmedic_ledger_entries', help: 'Entries in the transparency ledger.', registers: r }),
    vmUp: new Gauge({ name: 'bootmedic_vm_up', help: "1 when the VM's state is ready (its last boot reached ready and nothing failed since), else 0.", labelNames: ['vm'] as const, registers: r }),
    vmState: new Gauge({ name: 'bootmedic_vm_state', help: "The VM's state, one-hot: 1 for its current state, 0 for the others.", labelNames: ['vm', 'state'] as const, registers: r }),
    vms: new Gauge({ name: 'bootmedic_vms', help: 'VMs the service watches.', registers: r }),
  };
  if (sseClients !== undefined) {
    new Gauge({
      name: 'bootmedic_sse_clients',
      help: 'Clients connected to the live event stream.',
      registers: r,
      collect() {
        this.set(sseClients());
      },
    });
  }
  if (alerter !== undefined) {
    new Gauge({
      name: 'bootmedic_alerts_active',
      help: 'Alerts bootmedic pushes to Alertmanager that are active now, by alert name.',
      labelNames: ['alertname'] as const,
      registers: r,
      collect() {
        const active = alerter.active();
        for (const n of alertNames) this.set({ alertname: n }, active.filter((a) => a.labels.alertname === n).length);
      },
    });
    new Gauge({
      name: 'bootmedic_alertmanager_failures',
      help: 'Failed sends to an Alertmanager since it last accepted alerts (0 when it is reachable), by its configured URL.',
      labelNames: ['alertmanager'] as const,
      registers: r,
      collect() {
        for (const s of alerter.status()) this.set({ alertmanager: s.url }, s.failures);
      },
    });
  }
  return { registry, m };
}

export type ServiceMetrics = ReturnType<typeof defineServiceMetrics>['m'];
