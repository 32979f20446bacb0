// A manual clock with timers, for code that takes `{ set, clear }` timers and a `now`:
// advance() runs the timers that fall due, in time order, and moves the clock with them.
export type ManualTimers = Readonly<{
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  /** Moves the clock by `ms`, running every timer due on the way (including ones they set). */
  advance(ms: number): void;
  /** Timers waiting, with their due times. */
  pending(): number[];
}>;

export function createManualTimers(start = 0): ManualTimers {
  let t = start;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => t,
    set(fn, ms) {
      const id = next++;
      timers.set(id, { at: t + Math.max(0, ms), fn });
      return id;
    },
    clear: (h) => void timers.delete(h as number),
    advance(ms) {
      const end = t + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
        if (due === undefined) break;
        timers.delete(due[0]);
        t = Math.max(t, due[1].at);
        due[1].fn();
      }
      t = end;
    },
    pending: () => [...timers.values()].map((x) => x.at).sort((a, b) => a - b),
  };
}
