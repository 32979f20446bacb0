// One collection round over the host collectors and the VM sources, and the loop that runs
// a round every interval. A collector with nothing to read is reported once as "not
// available on this host" (and exported as bootmedic_host_collector_available 0), never
// as an error; a failed collector does not stop the others.
import type { BootmedicError } from '../../core/index.ts';
import { HOST_COLLECTORS, realHostReader, runCollector, type HostCollectorKind } from './host.ts';
import { seriesKey } from './exposition.ts';
import type { Sample } from './metrics.ts';
import { createRates, type HostReader, type Outcome } from './types.ts';
import type { VmSource } from './vm.ts';

/** One round's result. */
export type Round = Readonly<{
  at: number;
  samples: readonly Sample[];
  /** Each host collector's outcome this round. */
  host: Readonly<Record<HostCollectorKind, Outcome>>;
  /** Collectors found unavailable for the first time this round, with why: say these once. */
  newlyUnavailable: readonly Readonly<{ collector: string; reason: string }>[];
  /** Collectors and VMs that failed this round. */
  failures: readonly Readonly<{ source: string; error: BootmedicError }>[];
}>;

/** Collects the host (and VMs) round after round, keeping counter state for rates. */
export type Collector = Readonly<{ round(vms?: readonly VmSource[]): Promise<Round> }>;

/**
 * Builds a collector over the real host, or over `read` and `now` in tests.
 * @example
 * const c = createCollector();
 * const r = await c.round();
 * process.stdout.write(renderExposition(r.samples));
 */
export function createCollector(opts: { read?: HostReader; now?: () => number; kinds?: readonly HostCollectorKind[] } = {}): Collector {
  const read = opts.read ?? realHostReader;
  const now = opts.now ?? Date.now;
  const kinds = opts.kinds ?? (Object.keys(HOST_COLLECTORS) as HostCollectorKind[]);
  const rates = createRates();
  const announced = new Set<string>();
  const cached = new Map<HostCollectorKind, { at: number; outcome: Outcome }>();
  return {
    async round(vms = []) {
      const nowMs = now();
      const host = {} as Record<HostCollectorKind, Outcome>;
      const samples: Sample[] = [];
      const newlyUnavailable: { collector: string; reason: string }[] = [];
      const failures: { source: string; error: BootmedicError }[] = [];
      for (const kind of kinds) {
        const every: number | undefined = (HOST_COLLECTORS[kind] as { everyMs?: number }).everyMs;
        const prev = cached.get(kind);
        const outcome = every !== undefined && prev !== undefined && nowMs - prev.at < every ? prev.outcome : await runCollector(kind, { read, rates, nowMs });
        if (every !== undefined && outcome !== prev?.outcome) cached.set(kind, { at: nowMs, outcome });
        host[kind] = outcome;
        samples.push({ name: 'bootmedic_host_collector_available', value: outcome.type === 'unavailable' ? 0 : 1, labels: { collector: kind } });
        if (outcome.type === 'ok') samples.push(...outcome.samples);
        else if (outcome.type === 'failed') failures.push({ source: kind, error: outcome.error });
        else if (!announced.has(kind)) {
          announced.add(kind);
          newlyUnavailable.push({ collector: kind, reason: outcome.reason });
        }
      }
      // VMs are independent: ask them all at once so one slow QMP socket does not add up.
      const vmOutcomes = await Promise.all(vms.map((v) => v.collect()));
      vmOutcomes.forEach((o, i) => {
        const vm = vms[i]!.vm;
        if (o.type === 'ok') samples.push(...o.samples);
        else if (o.type === 'failed') failures.push({ source: `vm ${vm}`, error: o.error });
        else if (!announced.has(`vm ${vm}`)) {
          announced.add(`vm ${vm}`);
          newlyUnavailable.push({ collector: `vm ${vm}`, reason: o.reason });
        }
      });
      return { at: nowMs, samples, host, newlyUnavailable, failures };
    },
  };
}

/** A running collection loop. */
export type CollectLoop = Readonly<{ start(): void; close(): Promise<void> }>;

/**
 * Runs `collector.round(vms())` every `intervalMs` (default 10 s) and hands each round to
 * `onRound`; rounds never overlap, and close() or the signal stops it after the current one.
 */
export function createCollectLoop(opts: {
  collector: Collector;
  vms?: () => readonly VmSource[];
  onRound: (r: Round) => void;
  onError?: (e: unknown) => void;
  intervalMs?: number;
  signal?: AbortSignal;
}): CollectLoop {
  const interval = opts.intervalMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    timer = undefined;
    if (stopped) return;
    const started = Date.now();
    running = opts.collector
      .round(opts.vms?.() ?? [])
      .then(opts.onRound, (e: unknown) => opts.onError?.(e))
      .finally(() => {
        running = undefined;
        // The next round starts one interval after this one started, or at once if it overran.
        if (!stopped) timer = setTimeout(tick, Math.max(0, interval - (Date.now() - started)));
      });
  };
  const onAbort = () => void close();
  const close = async () => {
    stopped = true;
    opts.signal?.removeEventListener('abort', onAbort);
    if (timer) clearTimeout(timer);
    timer = undefined;
    await running;
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    start() {
      if (stopped || timer || running || opts.signal?.aborted) return;
      tick();
    },
    close,
  };
}

/** Where a round's values go to be kept (the store's metric history has this shape). */
export type HistorySink = Readonly<{ record(values: ReadonlyMap<string, number>, atMs: number): void }>;

/** Records a round's samples in the history under their exposition series keys. */
export function recordRound(history: HistorySink, round: Round): void {
  history.record(new Map(round.samples.map((s) => [seriesKey(s), s.value])), round.at);
}
