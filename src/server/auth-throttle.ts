// Slows down guessing: after `max` wrong tokens from one address within `windowMs`, that
// address gets 429 until its window ends, whatever token it sends. Memory is bounded: at
// most `maxAddresses` addresses are tracked, the oldest forgotten first.

export type AuthThrottle = Readonly<{
  /** Milliseconds until the address may try again, or 0 when it may now. */
  blockedFor(addr: string): number;
  /** Counts a wrong token from the address. */
  fail(addr: string): void;
  /** How many addresses are tracked (for tests of the bound). */
  size(): number;
}>;

type Window = { start: number; fails: number };

/**
 * @example
 * const t = createAuthThrottle({ max: 10, windowMs: 60_000 });
 * if (t.blockedFor(ip) > 0) return tooMany();
 * if (!valid) t.fail(ip);
 */
export function createAuthThrottle(opts: { max?: number; windowMs?: number; maxAddresses?: number; now?: () => number } = {}): AuthThrottle {
  const max = opts.max ?? 10;
  const windowMs = opts.windowMs ?? 60_000;
  const cap = opts.maxAddresses ?? 10_000;
  const now = opts.now ?? Date.now;
  const seen = new Map<string, Window>();
  const current = (addr: string): Window | undefined => {
    const w = seen.get(addr);
    if (w !== undefined && now() - w.start >= windowMs) {
      seen.delete(addr);
      return undefined;
    }
    return w;
  };
  return Object.freeze({
    blockedFor(addr: string) {
      const w = current(addr);
      return w !== undefined && w.fails >= max ? Math.max(1, w.start + windowMs - now()) : 0;
    },
    fail(addr: string) {
      const w = current(addr);
      if (w !== undefined) {
        w.fails += 1;
        return;
      }
      if (seen.size >= cap) seen.delete(seen.keys().next().value!);
      seen.set(addr, { start: now(), fails: 1 });
    },
    size: () => seen.size,
  });
}
