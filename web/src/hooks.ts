// Data hooks: a resource fetched from the API and refetched when a live event says it
// moved (debounced, so a burst of events costs one request).
import { useEffect, useRef, useState } from 'preact/hooks';
import { subscribe, type LiveEvent } from './live.ts';

export type Resource<T> = { data: T | undefined; error: Error | undefined; loading: boolean; refetch: () => void; set: (fn: (d: T) => T) => void };

/**
 * Loads `load()` now and again whenever `refetchOn(event)` is true for a live event (and on
 * every `reload`). `deps` restart it (e.g. the VM name of the page).
 */
export function useResource<T>(load: (s: AbortSignal) => Promise<T>, deps: unknown[], refetchOn: (e: LiveEvent) => boolean = () => false): Resource<T> {
  // The data and the error belong to the deps they were loaded for. When the deps change
  // (another incident's page), the old data is not shown for even one frame: clearing it in
  // an effect would paint the previous incident's body under the new title first.
  const [held, setHeld] = useState<Held<T>>({ deps, data: undefined, error: undefined });
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refetchRef = useRef(refetchOn);
  refetchRef.current = refetchOn;
  const current = sameDeps(held.deps, deps) ? held : { deps, data: undefined, error: undefined };

  useEffect(() => {
    const ac = new AbortController();
    setLoading(true);
    load(ac.signal).then(
      (d) => {
        if (ac.signal.aborted) return;
        setHeld({ deps, data: d, error: undefined });
        setLoading(false);
      },
      (e: unknown) => {
        if (ac.signal.aborted) return;
        const error = e instanceof Error ? e : new Error(String(e));
        setHeld((h) => (sameDeps(h.deps, deps) ? { ...h, error } : { deps, data: undefined, error }));
        setLoading(false);
      },
    );
    return () => ac.abort();
  }, [...deps, tick]);

  useEffect(
    () =>
      subscribe((e) => {
        if (e.kind !== 'reload' && !refetchRef.current(e)) return;
        clearTimeout(timer.current);
        timer.current = setTimeout(() => setTick((t) => t + 1), 120);
      }),
    [],
  );
  useEffect(() => () => clearTimeout(timer.current), []);

  return {
    data: current.data,
    error: current.error,
    loading: loading || current !== held,
    refetch: () => setTick((t) => t + 1),
    set: (fn) => setHeld((h) => (h.data === undefined || !sameDeps(h.deps, deps) ? h : { ...h, data: fn(h.data) })),
  };
}

type Held<T> = { deps: unknown[]; data: T | undefined; error: Error | undefined };

/** Whether two dependency lists are the same, element by element (as hooks compare them). */
function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

/** Calls `fn` for every live event while the component is mounted. */
export function useLive(fn: (e: LiveEvent) => void, deps: unknown[] = []): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => subscribe((e) => ref.current(e)), deps);
}

/** The current location hash, split: `#/vms/web1` → ['vms', 'web1']. */
export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
