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
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const refetchRef = useRef(refetchOn);
  refetchRef.current = refetchOn;

  useEffect(() => {
    setData(undefined);
    setError(undefined);
  }, deps);

  useEffect(() => {
    const ac = new AbortController();
    setLoading(true);
    load(ac.signal).then(
      (d) => {
        if (ac.signal.aborted) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (ac.signal.aborted) return;
        setError(e instanceof Error ? e : new Error(String(e)));
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
    data,
    error,
    loading,
    refetch: () => setTick((t) => t + 1),
    set: (fn) => setData((d) => (d === undefined ? d : fn(d))),
  };
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
