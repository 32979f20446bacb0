/** Counts resets in a sliding window; N resets within the window is a boot loop. */
export type BootLoopCounter = Readonly<{
  /** Records a reset at `atMs`; returns the resets now inside the window. */
  reset(atMs: number): number;
  /** True once `resets` resets fell inside one window. */
  looping(): boolean;
  count(): number;
}>;

export function createBootLoopCounter(policy: { resets: number; windowSeconds: number }): BootLoopCounter {
  const windowMs = policy.windowSeconds * 1000;
  const times: number[] = [];
  let tripped = false;
  return Object.freeze({
    reset(atMs: number) {
      times.push(atMs);
      while (times.length > 0 && atMs - times[0]! > windowMs) times.shift();
      if (times.length >= policy.resets) tripped = true;
      return times.length;
    },
    looping: () => tripped,
    count: () => times.length,
  });
}
