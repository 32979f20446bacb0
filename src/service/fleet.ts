import { assertNever } from '../core/index.ts';
import type { HealEvent } from '../heal/index.ts';
import type { AdmissionEvent } from '../resources/index.ts';
import type { StoredBoot } from '../store/index.ts';
import { isNoVerdict, type BootOutcome, type SupervisorEvent } from '../supervisor/index.ts';
import type { ServiceEvent, VmState } from './events.ts';
import type { LastVerdict, VmSummary } from './types.ts';

// The fleet view as a pure reducer over the hub's events: a VM's summary is its seed (the
// store's history at start) folded with every event about it since. The service keeps one
// per VM and publishes a `vm-state` event whenever the state a fold gives differs from the
// state before; a test can build any fleet by hand from events.

/** The longest boot-time trend kept (the sparkline). */
export const TREND_LENGTH = 20;

export type VmView = VmSummary & { reason?: string };

/** A VM's summary before any event of this run: last verdict, ready-boot trend and open incident from the store. */
export function seedVm(o: { name: string; heal: boolean; source?: VmSummary['source']; recent?: StoredBoot | undefined; good?: readonly StoredBoot[]; openIncident?: string | undefined }): VmView {
  const last = o.recent !== undefined && !isNoVerdict(o.recent.status as BootOutcome['status']) ? verdictOfStored(o.recent) : undefined;
  return {
    name: o.name,
    source: o.source ?? 'qemu',
    state: 'starting',
    heal: o.heal,
    ...(last !== undefined ? { lastVerdict: last } : {}),
    ...(o.openIncident !== undefined ? { openIncident: o.openIncident } : {}),
    // goodBoots is newest first; the trend is oldest first.
    bootTrend: (o.good ?? []).slice(0, TREND_LENGTH).map((b) => b.durationMs).reverse(),
  };
}

function verdictOfStored(b: StoredBoot): LastVerdict {
  const cause = (b.record as { cause?: unknown } | null)?.cause;
  return { bootId: b.id, status: b.status, cause: typeof cause === 'string' ? cause : '', reason: b.reason, startedAt: b.startedAt, durationMs: b.durationMs };
}

const verdictOf = (o: BootOutcome): LastVerdict => ({ bootId: o.bootId, status: o.status, cause: o.cause, reason: o.reason, startedAt: o.startedAt, durationMs: o.durationMs });

/** States a boot event may not override: an incident or a hand-over owns the VM until it ends. */
const HELD: ReadonlySet<VmState> = new Set(['healing', 'handed-over']);

function withState(v: VmView, state: VmState, reason?: string): VmView {
  const { reason: _old, ...rest } = v;
  return { ...rest, state, ...(reason !== undefined ? { reason } : {}) };
}

function onBoot(v: VmView, e: SupervisorEvent): VmView {
  switch (e.type) {
    case 'boot-start':
      return HELD.has(v.state) ? v : withState(v, 'booting');
    case 'verdict':
      return HELD.has(v.state) ? v : withState(v, e.status, e.reason);
    case 'outcome': {
      const o = e.outcome;
      if (isNoVerdict(o.status)) return v;
      const trend = o.status === 'ready' ? [...v.bootTrend, o.durationMs].slice(-TREND_LENGTH) : v.bootTrend;
      return { ...v, lastVerdict: verdictOf(o), bootTrend: trend };
    }
    case 'vm-exit':
      // A VM that was up (or coming up) and stopped; a failed one stays failed for the operator to see.
      return v.state === 'booting' || v.state === 'ready' || v.state === 'starting' ? withState(v, 'stopped', e.reason) : v;
    case 'phase':
    case 'finding':
    case 'reset':
    case 'boot-abandoned':
      return v;
    default:
      return assertNever(e, 'supervisor event');
  }
}

function onHeal(v: VmView, e: HealEvent): VmView {
  switch (e.type) {
    case 'incident-opened':
    case 'incident-resumed':
      return { ...withState(v, 'healing', `incident ${e.incidentId}`), openIncident: e.incidentId };
    case 'hand-over':
      return withState(v, 'handed-over', e.reason);
    case 'incident-closed': {
      const { openIncident: _closed, ...rest } = v;
      const state: VmState = e.status === 'recovered' ? 'ready' : e.status === 'handed-over' ? 'handed-over' : 'stopped';
      return withState(rest, state, `incident ${e.incidentId} ${e.status}`);
    }
    case 'diagnosis':
    case 'plan':
    case 'guardrail':
    case 'forensic-snapshot':
    case 'action':
    case 'result':
      return v;
    default:
      return assertNever(e, 'heal event');
  }
}

/** Folds one hub event into a VM's view (events about other VMs, drills and the ledger leave it as is). */
export function reduceVm(v: VmView, e: ServiceEvent): VmView {
  switch (e.kind) {
    case 'boot':
      return e.vm === v.name ? onBoot(v, e.event) : v;
    case 'heal':
      return e.vm === v.name ? onHeal(v, e.event) : v;
    case 'vm-state':
      return e.vm === v.name ? withState(v, e.state, e.reason) : v;
    case 'console':
    case 'drill':
    case 'drill-end':
    case 'ledger':
      return v;
    default:
      return assertNever(e, 'service event');
  }
}

/**
 * The state a VM's admission queue event gives it: `queued` (with its place and the figures)
 * while its boot waits for memory, `starting` again once admitted; nothing while an incident
 * or a hand-over owns the VM (its verification boot waits inside the incident), nor for a
 * refusal (the boot's error says it). Pure.
 */
export function admissionState(v: VmView, e: AdmissionEvent): { state: VmState; reason: string } | undefined {
  if (HELD.has(v.state)) return undefined;
  switch (e.type) {
    case 'queued':
      return { state: 'queued', reason: `waiting for memory, place ${e.position} in the admission queue: ${e.reason}` };
    case 'admitted':
      return v.state === 'queued' ? { state: 'starting', reason: `admitted after ${Math.round(e.waitedMs / 1000)} s in the admission queue` } : undefined;
    case 'refused':
      return undefined;
    default:
      return assertNever(e, 'admission event');
  }
}

/** Failed VMs first (failed, stalled, handed over), then healing and queued, then the rest; by name within each. */
const RANK: Readonly<Record<VmState, number>> = { failed: 0, stalled: 0, 'handed-over': 0, healing: 1, queued: 1, starting: 2, booting: 2, ready: 2, stopped: 2 };

export function orderFleet(vms: Iterable<VmSummary>): VmSummary[] {
  return [...vms].sort((a, b) => RANK[a.state] - RANK[b.state] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
