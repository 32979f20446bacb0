import type { DrillProgress, DrillTotals } from '../drill/index.ts';
import type { HealEvent } from '../heal/index.ts';
import type { SupervisorEvent } from '../supervisor/index.ts';

/** Where a watched VM stands, as the fleet view, the metrics and the alerts see it. */
/** `queued`: its boot waits in the admission queue for memory to free (resources/). */
export type VmState = 'starting' | 'queued' | 'booting' | 'ready' | 'failed' | 'stalled' | 'healing' | 'handed-over' | 'stopped';

/**
 * Everything the service tells its listeners (the SSE stream, the metrics, the alerts),
 * one tagged union. Producers publish to the hub; nobody else holds state of their own
 * about a VM's boots, so a restarted listener catches up from the hub's replay buffer
 * and the store.
 */
export type ServiceEvent =
  /** A supervisor event of one VM's boot: boot-start, phase, finding, reset, verdict, outcome, vm-exit, boot-abandoned. */
  | { kind: 'boot'; vm: string; event: SupervisorEvent }
  /** A heal event of one VM's incident. */
  | { kind: 'heal'; vm: string; event: HealEvent }
  /** One cleaned console line; `line` is its number in the boot's console.log (findings name the same numbers). */
  | { kind: 'console'; vm: string; bootId: string; line: number; text: string; atMs: number }
  /** A VM's state changed (the fleet view). */
  | { kind: 'vm-state'; vm: string; state: VmState; reason?: string }
  /** A drill's progress, then its end with the totals. */
  | { kind: 'drill'; drillId: string; progress: DrillProgress }
  | { kind: 'drill-end'; drillId: string; ok: boolean; totals?: DrillTotals; error?: string }
  /** The ledger grew. */
  | { kind: 'ledger'; size: number };

/** An event as the hub stamped it: a sequence number (the SSE event id) and the time. */
export type Stamped = Readonly<{ seq: number; at: string; event: ServiceEvent }>;
