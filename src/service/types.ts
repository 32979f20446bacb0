import type { DrillReport, DrillTotals } from '../drill/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Store } from '../store/index.ts';
import type { ServiceConfig } from './config.ts';
import type { Hub } from './hub.ts';
import type { VmState } from './events.ts';

/** The last verdict of a VM, as the fleet view shows it. */
export type LastVerdict = Readonly<{
  bootId: string;
  status: string;
  cause: string;
  reason: string;
  /** ISO time of the boot's start. */
  startedAt: string;
  durationMs: number;
}>;

/** One VM of the fleet: the contract of `GET /api/v1/vms`. */
export type VmSummary = Readonly<{
  name: string;
  /** Which backend runs it. */
  source: 'qemu' | 'libvirt';
  state: VmState;
  /** Why it is in that state (the verdict's reason, the incident, the exit), when known. */
  reason?: string;
  /** May bootmedic act on it (config heal policy, or the domain's opt-in)? */
  heal: boolean;
  lastVerdict?: LastVerdict;
  openIncident?: string;
  /** Durations (ms) of its last ready boots, oldest first (at most 20): the sparkline. */
  bootTrend: readonly number[];
}>;

/** A drill the service runs or ran. */
export type DrillSummary = Readonly<{
  id: string;
  status: 'running' | 'done' | 'failed';
  scenarios: number;
  seed: number;
  done: number;
  startedAt: string;
  totals?: DrillTotals;
  error?: string;
  /** Where its report files are (html, md, json), once done. */
  files?: Readonly<{ html: string; md: string; json?: string }>;
}>;

/**
 * The running daemon as the HTTP server and the CLI see it (`src/service/`'s
 * `createService` makes it; `src/server/` serves it). Everything live goes through
 * `hub`; the history is in `store` and `ledger`, which the server reads directly.
 */
export type Service = Readonly<{
  hub: Hub;
  home: string;
  store: Store;
  ledger: Ledger;
  /** Every VM, failed ones first, then by name. */
  fleet(): readonly VmSummary[];
  vm(name: string): VmSummary | undefined;
  /** Starts a drill in the background (SERVICE_DRILL_BUSY when one runs); progress comes through the hub. */
  startDrill(opts: { scenarios: number; seed: number; quick?: boolean }): DrillSummary;
  drills(): readonly DrillSummary[];
  drill(id: string): (DrillSummary & { report?: DrillReport }) | undefined;
  /** True once every configured VM source was read and the watchers started. */
  ready(): boolean;
  /** The config in force (the last one that loaded; a bad reload keeps the previous one). */
  config(): ServiceConfig;
  /**
   * Re-reads the config (SIGHUP): starts new VMs, stops removed ones, leaves the others' boots
   * alone. A VM whose file (or heal policy) changed is in `kept` and `changed`: it restarts on
   * the new file at once when it is not booting or healing, else as soon as that ends. Never
   * rejects: a bad config is logged, kept out, and returned as `error`.
   */
  reload(): Promise<{ added: string[]; removed: string[]; kept: string[]; changed: string[]; error?: { code: string; message: string } }>;
  /** Stops cleanly (SIGTERM): the watchers, the VMs bootmedic launched (as the config says), the store and ledger. */
  close(): Promise<void>;
}>;
