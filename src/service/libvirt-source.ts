import { setTimeout as sleep } from 'node:timers/promises';
import type { AppConfig } from '../config/index.ts';
import { isBootmedicError } from '../core/index.ts';
import type { HealEvent, IncidentStore } from '../heal/index.ts';
import { libvirtHealer, vmNameOf, watchLibvirt, type LibvirtHealer, type LibvirtWatchEvent } from '../libvirt/index.ts';
import type { SuperviseOptions, SupervisorDeps, SupervisorEvent } from '../supervisor/index.ts';
import type { Logger } from './log.ts';

// One libvirt URI as a VM source of the service: `watchLibvirt` (every domain of the URI
// through the same supervisor) with the `libvirtHealer` as its afterOutcome hook, the way
// `bootmedic watch --libvirt --heal` composes them, and its `resume` hook: an incident a
// killed service left open is resumed (its applied step verified, never applied again) when
// the restarted service first follows the domain. The hooks heal only a domain its owner
// opted in (its <bootmedic:heal> metadata, or the heal list) and only while the service's
// heal policy is enabled; every other domain is watched and reported, never acted on.
// When libvirtd does not answer (at the start, or later) the watch is tried again every
// few seconds until the service stops. Stopping aborts the watch, which reaps its virsh
// event streams and leaves every domain as it is.

/** Where the source's events go (the service folds them into its views and the hub). */
export type LibvirtSink = Readonly<{
  /** The watch's own events: domains found, defined, undefined; waiting; errors; libvirtd lost or back; boots. */
  watch: (e: LibvirtWatchEvent) => void;
  /** A supervisor event of a heal's own boots (the verification boot), by its VM name. */
  healBoot: (e: SupervisorEvent) => void;
  heal: (vm: string, e: HealEvent) => void;
  console: NonNullable<SuperviseOptions['onConsoleLine']>;
}>;

export type LibvirtSourceOptions = Readonly<{
  uri: string;
  app: AppConfig;
  deps: Omit<SupervisorDeps, 'hypervisor'>;
  incidents: IncidentStore;
  signal: AbortSignal;
  /**
   * Domains the service config opts in (its heal.vms). The service keeps this one array and
   * changes it in place on reload: the watch and the healer read it at each use.
   */
  healList: readonly string[];
  /** May a failed run of this domain go to the healer now (the heal policy enabled, the domain in the fleet)? The healer still checks its opt-in. */
  mayHeal: (domain: string) => boolean;
  sink: LibvirtSink;
  log: Logger;
  /** Seconds between tries while libvirtd does not answer (default 5). */
  retrySeconds?: number;
}>;

/** Runs the URI's watch (retrying while libvirtd is away) until `signal` aborts; never rejects. */
export async function runLibvirtSource(o: LibvirtSourceOptions): Promise<void> {
  const heal = libvirtHealer({
    uri: o.uri, app: o.app, deps: o.deps, incidents: o.incidents, healList: o.healList,
    onEvent: o.sink.healBoot,
    onHealEvent: (domain, e) => o.sink.heal(vmNameOf(domain), e),
  });
  // mayHeal is read at each call: a reload that turns healing off stops the next heal.
  const afterOutcome: LibvirtHealer['afterOutcome'] = async (domain, outcome, signal) => {
    if (o.mayHeal(domain)) await heal.afterOutcome(domain, outcome, signal);
  };
  // An incident a killed service left open is resumed when its domain is first followed.
  const resume: LibvirtHealer['resume'] = async (domain, signal) => o.mayHeal(domain) && (await heal.resume(domain, signal));
  let lastError = '';
  while (!o.signal.aborted) {
    try {
      await watchLibvirt({ uri: o.uri, deps: o.deps, signal: o.signal, healList: o.healList, onEvent: o.sink.watch, onConsoleLine: o.sink.console, afterOutcome, resume });
      return;
    } catch (e) {
      if (o.signal.aborted) return;
      const message = (e as Error).message;
      // One log line per new problem, not one every few seconds.
      if (message !== lastError) o.log.error('libvirt watch failed; trying again', { uri: o.uri, code: isBootmedicError(e) ? e.code : undefined, error: message });
      lastError = message;
      await sleep((o.retrySeconds ?? 5) * 1000, undefined, { signal: o.signal }).catch(() => undefined);
    }
  }
}
