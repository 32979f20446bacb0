import type { Service } from '../src/service/index.ts';

/** Resolves once `ok()` holds, checked now and after every hub event; rejects after `ms`, naming what it waited for and the fleet. */
export function untilFleet(s: Service, what: string, ok: () => boolean, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ok()) return resolve();
    const timer = setTimeout(() => (sub.unsubscribe(), reject(new Error(`timed out waiting for ${what}; fleet: ${JSON.stringify(s.fleet().map((v) => [v.name, v.state, v.reason]))}`))), ms);
    const sub = s.hub.subscribe(() => {
      if (!ok()) return;
      clearTimeout(timer);
      sub.unsubscribe();
      resolve();
    });
  });
}
