import type { BootmedicError } from '../../core/index.ts';
import type { Sample } from './metrics.ts';

/** What one collector gave in one round: samples, nothing to read on this host, or a failure. */
export type Outcome =
  | Readonly<{ type: 'ok'; samples: readonly Sample[] }>
  | Readonly<{ type: 'unavailable'; reason: string }>
  | Readonly<{ type: 'failed'; error: BootmedicError }>;

/** How collectors read the host; tests pass captured text instead of the real files. */
export type HostReader = Readonly<{
  /** A file's text, or undefined when it does not exist or cannot be read. */
  text(path: string): string | undefined;
  /** A folder's entry names, or undefined when it does not exist. */
  list(path: string): string[] | undefined;
  /** True when the path exists. */
  exists(path: string): boolean;
  /** Runs a host program (argument array); undefined when it is not installed. */
  tool(name: string, args: readonly string[]): Promise<Readonly<{ code: number; stdout: string }> | undefined>;
}>;

/** Turns counters into per-second rates and ratios between rounds, with an injected clock. */
export type Rates = {
  /** Per-second rate of a counter since its last observation; undefined on the first one or after a reset. */
  perSecond(key: string, counter: number, nowMs: number): number | undefined;
  /** Ratio of two counters' increases since the last observation (e.g. steal over all ticks). */
  ratio(key: string, part: number, whole: number): number | undefined;
};

/** Builds an empty rate tracker. */
export function createRates(): Rates {
  const last = new Map<string, { a: number; b: number }>();
  const step = (key: string, a: number, b: number): { da: number; db: number } | undefined => {
    const prev = last.get(key);
    last.set(key, { a, b });
    if (!prev || a < prev.a || b <= prev.b) return undefined;
    return { da: a - prev.a, db: b - prev.b };
  };
  return {
    perSecond(key, counter, nowMs) {
      const d = step(key, counter, nowMs);
      return d && (d.da * 1000) / d.db;
    },
    ratio(key, part, whole) {
      const d = step(key, part, whole);
      return d && d.da / d.db;
    },
  };
}
