import type { AppConfig } from '../config/index.ts';
import { assertNever } from '../core/index.ts';
import type { IncidentStore } from '../heal/index.ts';
import { openIncidentOf } from '../heal/index.ts';
import { describeDomain, vmNameOf, type LibvirtWatchEvent } from '../libvirt/index.ts';
import type { Store } from '../store/index.ts';
import type { SupervisorDeps, SupervisorEvent } from '../supervisor/index.ts';
import type { ServiceConfig } from './config.ts';
import type { ServiceEvent, VmState } from './events.ts';
import { reduceVm, seedVm, type VmView } from './fleet.ts';
import { runLibvirtSource, type LibvirtSourceOptions } from './libvirt-source.ts';
import type { Logger } from './log.ts';

// The service's libvirt domains: one runLibvirtSource per configured URI, and the fold of
// its events into the fleet. A domain is a VM of the fleet with source 'libvirt'; `heal` says
// whether bootmedic may act on it (opted in, and the heal policy enabled). A domain without
// a serial log is listed as stopped, its reason the XML to add; one the watch cannot follow
// is "not watched", and one it still follows after a failed run, resume or heal says so, with
// the error and the incident left open. The boots, heals and console
// lines go to the hub as the same ServiceEvents a QEMU VM's do. Nothing here acts on a
// domain: only the healer of an opted-in one does, and close() only stops the watching.

/** Folds an event into a view; the service's publish applies it and publishes the state change. */
export type Fold = (v: VmView, e: ServiceEvent) => VmView;

export type LibvirtFleetOptions = Readonly<{
  app: AppConfig;
  deps: Omit<SupervisorDeps, 'hypervisor'>;
  store: Store;
  incidents: IncidentStore;
  views: Map<string, VmView>;
  /** The service's publish: to the hub, the log and the VM's view (with `fold`). */
  publish: (e: ServiceEvent, fold?: Fold) => void;
  /** To the hub and the log only (a VM that left the fleet). */
  announce: (e: ServiceEvent) => void;
  log: Logger;
  /** Which domains join the fleet (default: every domain of the URIs); the others are not shown and never healed. */
  accept?: (domain: string) => boolean;
  /** Runs one URI's watch into its sink until its signal aborts (default runLibvirtSource; a test gives a fake). */
  source?: (o: LibvirtSourceOptions) => Promise<void>;
}>;

export type LibvirtFleet = Readonly<{
  /** Starts the watches of URIs new in `config`, stops those gone; returns the URIs and the VMs that left. */
  sync(config: ServiceConfig): Promise<{ startedUris: string[]; stoppedUris: string[]; removedVms: string[] }>;
  /** Is this VM one of the libvirt domains? */
  owns(vm: string): boolean;
  /** Stops every watch (the virsh streams with them); never touches a domain. */
  close(): Promise<void>;
}>;

/** After a verdict the watch only detaches from a running domain: the domain keeps its state. */
const DETACHED = /^detached after the verdict/;
const libvirtFold: Fold = (v, e) => (e.kind === 'boot' && e.event.type === 'vm-exit' && DETACHED.test(e.event.reason) ? v : reduceVm(v, e));

const vmOfEvent = (e: SupervisorEvent): string => (e.type === 'outcome' || e.type === 'boot-abandoned' ? e.outcome.vm : e.vm);

/** States a note about the watch (an error, waiting) does not override. */
const NOTE_ONLY: ReadonlySet<VmState> = new Set(['starting', 'stopped']);

type WatchError = Extract<LibvirtWatchEvent, { type: 'error' }>;
const errorText = (e: WatchError) => `${e.code}: ${e.message}${e.fix ? ` (${e.fix})` : ''}`;

/**
 * Where a domain the watch still follows stands after an error of one of its runs or of its
 * heal hooks (`during` boot, resume or heal). A resume or heal that threw leaves its incident
 * open and nothing healing: the domain is failed, with the error, until its next boot. A run
 * that could not be supervised keeps the state (a boot in progress is judged from the next one).
 */
function afterFollowedError(v: VmView, e: WatchError): { state: VmState; reason: string } | undefined {
  const still = 'still watched, judged from its next start or reset';
  const incident = v.openIncident !== undefined ? `incident ${v.openIncident}` : undefined;
  switch (e.during) {
    case 'resume':
      return { state: 'failed', reason: `resuming ${incident ?? 'its open incident'} failed: ${errorText(e)}; the incident stays open; ${still}` };
    case 'heal':
      return { state: 'failed', reason: incident !== undefined ? `healing ${incident} failed: ${errorText(e)}; the incident stays open; ${still}` : `healing failed: ${errorText(e)}; ${still}` };
    case 'boot':
      return { state: v.state === 'booting' ? 'starting' : v.state, reason: `its last run could not be followed: ${errorText(e)}; ${still}` };
    case 'follow':
      return undefined;
    default:
      return assertNever(e.during, 'watch error stage');
  }
}

export function createLibvirtFleet(o: LibvirtFleetOptions): LibvirtFleet {
  const healList: string[] = [];
  let healEnabled = true;
  const sources = new Map<string, { abort: AbortController; done: Promise<void> }>();
  /** Each domain's VM name → its URI, domain name and opt-in (from its last description). */
  const owned = new Map<string, { uri: string; domain: string; optIn: boolean }>();
  const warned = new Set<string>();

  const state = (vm: string, s: VmState, reason: string) => o.publish({ kind: 'vm-state', vm, state: s, reason });

  function onDomain(uri: string, e: Extract<LibvirtWatchEvent, { type: 'domain' }>): void {
    const vm = e.vm;
    const mine = owned.get(vm);
    if (o.accept !== undefined && !o.accept(e.domain)) return;
    if (e.change === 'undefined') {
      if (mine?.uri !== uri) return;
      owned.delete(vm);
      o.views.delete(vm);
      o.announce({ kind: 'vm-state', vm, state: 'stopped', reason: `domain ${e.domain} was undefined in ${uri}` });
      return;
    }
    if (o.views.has(vm) && mine?.uri !== uri) {
      // A VM file, or a domain of another URI, already has this name: the first keeps it.
      if (!warned.has(`${uri} ${vm}`)) o.log.warn('libvirt domain not watched: a VM of that name is already in the fleet', { uri, domain: e.domain, vm });
      warned.add(`${uri} ${vm}`);
      return;
    }
    owned.set(vm, { uri, domain: e.domain, optIn: e.optIn });
    const heal = healEnabled && e.optIn;
    const before = o.views.get(vm);
    o.views.set(vm, before !== undefined ? { ...before, heal } : seedVm({ name: vm, heal, source: 'libvirt', recent: o.store.boots.recent(vm, 1)[0], good: o.store.boots.goodBoots({ vm }, 20), openIncident: openIncidentOf(o.incidents, vm)?.incidentId }));
    if (!e.watchable) {
      state(vm, 'stopped', `not watchable: domain ${e.domain} has no serial log; add to its <devices> ('virsh edit ${e.domain}'): ${e.fixXml ?? ''}`);
      return;
    }
    // A boot in progress or a verdict keeps its state; a new (or newly watchable) domain says where it stands.
    if (before !== undefined && !NOTE_ONLY.has(before.state)) return;
    note(vm, e.state, e.optIn);
  }

  /** Where a domain that has not booted under the watch stands: its libvirt state and whether it is healed. */
  function note(vm: string, libvirtState: string, optIn: boolean): void {
    const how = healEnabled && optIn ? 'watched and healed (opted in)' : optIn ? 'watched only (healing is off in the heal policy)' : 'watched only (not opted in: findings, never actions)';
    if (libvirtState === 'running' || libvirtState === 'paused' || libvirtState === 'in shutdown') state(vm, 'starting', `running; ${how}; judged from its next reset or start`);
    else state(vm, 'stopped', `${libvirtState}; ${how}; judged from its next start`);
  }

  function onWatch(uri: string, e: LibvirtWatchEvent): void {
    switch (e.type) {
      case 'domain':
        return onDomain(uri, e);
      case 'waiting':
        return;
      case 'error': {
        if (owned.get(e.vm)?.uri !== uri) return;
        const v = o.views.get(e.vm);
        if (e.during === 'follow') {
          o.log.warn('libvirt domain not followed', { uri, domain: e.domain, code: e.code, error: e.message });
          if (v !== undefined && NOTE_ONLY.has(v.state)) state(e.vm, 'stopped', `not watched: ${errorText(e)}`);
          return;
        }
        o.log.warn(`libvirt domain still followed after a failed ${e.during}`, { uri, domain: e.domain, code: e.code, error: e.message, incident: v?.openIncident });
        const next = v === undefined ? undefined : afterFollowedError(v, e);
        if (next !== undefined) state(e.vm, next.state, next.reason);
        return;
      }
      case 'libvirt':
        if (e.state === 'lost') o.log.warn('libvirt event streams lost; reconnecting', { uri, reason: e.reason });
        else o.log.info('libvirt event streams back', { uri });
        return;
      case 'boot-start':
      case 'phase':
      case 'finding':
      case 'reset':
      case 'verdict':
      case 'outcome':
      case 'vm-exit':
      case 'boot-abandoned': {
        const { domain: _domain, ...event } = e;
        const vm = vmNameOf(e.domain);
        if (owned.get(vm)?.uri !== uri) return;
        o.publish({ kind: 'boot', vm, event: event as SupervisorEvent }, libvirtFold);
        return;
      }
      default:
        return assertNever(e, 'libvirt watch event');
    }
  }

  function startUri(uri: string): void {
    const abort = new AbortController();
    const done = (o.source ?? runLibvirtSource)({
      uri, app: o.app, deps: o.deps, incidents: o.incidents, signal: abort.signal, healList, log: o.log,
      mayHeal: (domain) => healEnabled && owned.get(vmNameOf(domain))?.uri === uri,
      sink: {
        watch: (e) => onWatch(uri, e),
        healBoot: (e) => {
          const vm = vmOfEvent(e);
          if (owned.get(vm)?.uri === uri) o.publish({ kind: 'boot', vm, event: e }, libvirtFold);
        },
        heal: (vm, e) => {
          if (owned.get(vm)?.uri === uri) o.publish({ kind: 'heal', vm, event: e });
        },
        console: (l) => {
          if (owned.get(l.vm)?.uri === uri) o.announce({ kind: 'console', vm: l.vm, bootId: l.bootId, line: l.line, text: l.text, atMs: l.atMs });
        },
      },
    });
    sources.set(uri, { abort, done });
    o.log.info('watching libvirt', { uri });
  }

  async function stopUri(uri: string): Promise<string[]> {
    const s = sources.get(uri);
    if (s === undefined) return [];
    sources.delete(uri);
    s.abort.abort(new Error('libvirt URI removed from the config'));
    await s.done;
    const gone: string[] = [];
    for (const [vm, d] of [...owned]) {
      if (d.uri !== uri) continue;
      owned.delete(vm);
      o.views.delete(vm);
      gone.push(vm);
      o.announce({ kind: 'vm-state', vm, state: 'stopped', reason: `${uri} removed from the config; the domain is left as it is` });
    }
    return gone;
  }

  /** A changed heal policy: each domain's opt-in is read again (its metadata or the new list). */
  function refreshHeal(): void {
    for (const [vm, d] of owned) {
      void describeDomain(d.uri, d.domain, { healList }).then(
        (entry) => {
          const now = owned.get(vm);
          const v = o.views.get(vm);
          if (now === undefined || v === undefined) return;
          now.optIn = entry.optIn;
          o.views.set(vm, { ...v, heal: healEnabled && entry.optIn });
          // Listeners learn of the change through a vm-state event (the state itself is kept).
          if (NOTE_ONLY.has(v.state) && entry.watchable) note(vm, entry.state, entry.optIn);
          else o.announce({ kind: 'vm-state', vm, state: v.state, ...(v.reason !== undefined ? { reason: v.reason } : {}) });
        },
        () => undefined,
      );
    }
  }

  return {
    async sync(config) {
      const policy = JSON.stringify([config.heal.enabled, config.heal.vms ?? []]);
      const changed = policy !== JSON.stringify([healEnabled, healList]);
      healEnabled = config.heal.enabled;
      // In place: the running watches and healers hold this array.
      healList.splice(0, healList.length, ...(config.heal.vms ?? []));
      if (changed) refreshHeal();
      const wanted = new Set(config.libvirt.uris);
      const stoppedUris = [...sources.keys()].filter((u) => !wanted.has(u));
      const removedVms = (await Promise.all(stoppedUris.map(stopUri))).flat();
      const startedUris = [...wanted].filter((u) => !sources.has(u));
      for (const u of startedUris) startUri(u);
      return { startedUris, stoppedUris, removedVms };
    },
    owns: (vm) => owned.has(vm),
    async close() {
      for (const s of sources.values()) s.abort.abort(new Error('the service is stopping'));
      await Promise.allSettled([...sources.values()].map((s) => s.done));
      sources.clear();
    },
  };
}
