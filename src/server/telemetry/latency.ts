// Detection latency as bench/boot.ts defines it: from the arrival of the console chunk
// holding the line that decided a failed verdict to the supervisor's decision. The
// verdict's `atMs` is that arrival on the boot's own clock (ms since the boot started);
// `detectedAt` is the decision on the process clock (performance.now). The boot's clock
// is placed on the process clock by its events: each is published as it happens, so
// `now - atMs` at receipt is the boot's start plus a dispatch delay, and the smallest
// such value over the boot's events is the closest estimate of the start.

/** Where each boot's clock starts on the process clock; bounded to the boots in flight. */
export type LatencyClock = Readonly<{
  /** Notes an event of a boot stamped `atMs` on the boot's clock, received now. */
  seen(bootId: string, atMs: number): void;
  /** Milliseconds from `atMs` (boot clock) to `detectedAt` (process clock), never negative; undefined before any event of the boot placed its clock. */
  since(bootId: string, atMs: number, detectedAt: number): number | undefined;
  /** Forgets a boot (its outcome came). */
  forget(bootId: string): void;
}>;

/** Most boots tracked at once; the oldest is forgotten past it (a boot whose outcome never came). */
const MAX_BOOTS = 1000;

export function createLatencyClock(now: () => number): LatencyClock {
  const origin = new Map<string, number>();
  const seen = (bootId: string, atMs: number) => {
    const o = now() - atMs;
    const prev = origin.get(bootId);
    if (prev === undefined) {
      if (origin.size >= MAX_BOOTS) origin.delete(origin.keys().next().value!);
      origin.set(bootId, o);
    } else if (o < prev) origin.set(bootId, o);
  };
  return {
    seen,
    since(bootId, atMs, detectedAt) {
      const o = origin.get(bootId);
      return o === undefined ? undefined : Math.max(0, detectedAt - (o + atMs));
    },
    forget: (bootId) => void origin.delete(bootId),
  };
}
