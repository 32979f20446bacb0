import { withImagePolicy } from '../catalogue/index.ts';
import { ensureHome, type AppConfig, type VmSpec } from '../config/index.ts';
import { isBootmedicError } from '../core/index.ts';
import { guestSource } from '../guest/index.ts';
import { openIncidentOf } from '../heal/index.ts';
import { createQemuHypervisor } from '../hypervisor/index.ts';
import { openLedger } from '../ledger/index.ts';
import { DEFAULT_VM_NICE, resolveAdmission, type AdmissionEvent } from '../resources/index.ts';
import { openStore } from '../store/index.ts';
import type { SupervisorDeps } from '../supervisor/index.ts';
import { healAllowed, loadServiceConfig, type ServiceConfig } from './config.ts';
import { createDrillRunner } from './drills.ts';
import { serviceErrors } from './errors.ts';
import type { ServiceEvent, VmState } from './events.ts';
import { admissionState, orderFleet, reduceVm, seedVm, type VmView } from './fleet.ts';
import { createLibvirtFleet, type Fold } from './libvirt-fleet.ts';
import { createHub } from './hub.ts';
import { logEvent } from './log-events.ts';
import { silentLogger, type Logger } from './log.ts';
import type { Service } from './types.ts';
import { loadVmSources } from './vm-sources.ts';
import { watchVm } from './watch-loop.ts';

export type ServiceOptions = Readonly<{
  log?: Logger;
  /** The --config file reload() re-reads (default: the file `config` came from). */
  configFile?: string;
  /** The default config path reload() reads when no --config was given (a missing file is the defaults). */
  defaultConfigFile?: string;
  /** Events the hub keeps for SSE replay (default 5,000). */
  hubBuffer?: number;
  /**
   * Which domains of the config's libvirt URIs join the fleet (default: all). Tests on a
   * shared libvirtd keep to their own domains with it; the others are neither shown nor healed.
   */
  libvirtDomains?: (domain: string) => boolean;
}>;

/** One VM's watch: the spec it runs, its abort, its end; `next` is a changed spec waiting for the current boot to end. */
type Watcher = { spec: VmSpec; heal: boolean; abort: AbortController; done: Promise<void>; next?: { spec: VmSpec; heal: boolean } | undefined };

/** While a VM boots or heals a changed file waits; in any other state it restarts at once. */
const BUSY: ReadonlySet<VmState> = new Set(['starting', 'booting', 'healing']);
const keyOf = (spec: VmSpec, heal: boolean) => JSON.stringify({ spec, heal });

/**
 * Starts the daemon core: opens the store and the ledger in `app.home`, loads the config's VM
 * files, and watches every VM (healing those the heal policy allows), publishing every boot,
 * heal, console and state event to the hub. Throws the config's error when a VM source is bad.
 * @example
 * const config = loadServiceConfig({ file: values.config, defaultFile: defaultServiceConfigPath(), home: app.home });
 * const service = await createService(app, config, { log: createLogger() });
 * process.on('SIGHUP', () => void service.reload());
 * process.on('SIGTERM', () => void service.close());
 */
export async function createService(app: AppConfig, config: ServiceConfig, opts: ServiceOptions = {}): Promise<Service> {
  const log = opts.log ?? silentLogger;
  const initialSpecs = loadVmSources(config);
  ensureHome(app);
  const store = openStore({ home: app.home });
  const ledger = await openLedger({ home: app.home, rememberAt: app.ledgerCheckpointCopies ?? [] });
  const hub = createHub({ ...(opts.hubBuffer !== undefined ? { buffer: opts.hubBuffer } : {}), onSubscriberError: (e) => log.warn('a hub subscriber threw and was dropped', { error: (e as Error).message }) });
  // A boot that does not fit waits or is refused as the environment, then the config, say (read at each boot: a reload takes effect).
  const admission = () => resolveAdmission(app.admission, current.resources.admission);
  const onAdmission = (e: AdmissionEvent): void => {
    const v = views.get(e.vm);
    if (e.type === 'queued') log.info('boot queued: not enough memory now', { vm: e.vm, position: e.position, reason: e.reason });
    if (e.type === 'admitted') log.info('boot admitted from the queue', { vm: e.vm, waitedSeconds: Math.round(e.waitedMs / 1000) });
    const s = v === undefined ? undefined : admissionState(v, e);
    if (s !== undefined) publish({ kind: 'vm-state', vm: e.vm, state: s.state, reason: s.reason });
  };
  // QEMU's priority below the service's: the environment's, then the config's (read at each launch).
  const vmNice = () => app.vmNice ?? current.resources.vmNice ?? DEFAULT_VM_NICE;
  const hypervisor = withImagePolicy(createQemuHypervisor(app, { guests: guestSource(app), admission, onAdmission, vmNice }), store, app.home);
  const appendLedger = async (entry: { type: string; vm?: string; data: unknown }) => {
    const out = await ledger.append(entry);
    hub.publish({ kind: 'ledger', size: ledger.size });
    return out;
  };
  const deps: SupervisorDeps = {
    hypervisor,
    home: app.home,
    store,
    record: async (entry) => {
      const out = await appendLedger(entry);
      hypervisor.noteRecord(entry);
      return out;
    },
  };

  let current = config;
  let started = false;
  let closing: Promise<void> | undefined;
  let reloads: Promise<void> = Promise.resolve();
  const views = new Map<string, VmView>();
  const watchers = new Map<string, Watcher>();

  /** Publishes an event, folds it into its VM's view, and publishes the VM's new state when it changed. */
  const publish = (e: ServiceEvent, fold: Fold = reduceVm): void => {
    const vm = 'vm' in e ? e.vm : undefined;
    const before = vm === undefined ? undefined : views.get(vm);
    // The view first: a subscriber that reads the fleet on this event sees what it says.
    const after = before === undefined ? undefined : fold(before, e);
    if (vm !== undefined && after !== undefined) views.set(vm, after);
    hub.publish(e);
    logEvent(log, e);
    if (vm === undefined || before === undefined || after === undefined) return;
    if (after.state === before.state) return;
    if (e.kind !== 'vm-state') {
      const ev: ServiceEvent = { kind: 'vm-state', vm, state: after.state, ...(after.reason !== undefined ? { reason: after.reason } : {}) };
      hub.publish(ev);
      logEvent(log, ev);
    }
    const w = watchers.get(vm);
    if (w?.next !== undefined && !BUSY.has(after.state)) void restart(vm);
  };

  function start(spec: VmSpec, heal: boolean): void {
    const name = spec.name;
    if (!views.has(name)) {
      views.set(name, seedVm({ name, heal, recent: store.boots.recent(name, 1)[0], good: store.boots.goodBoots({ vm: name }, 20), openIncident: openIncidentOf(store.incidents, name)?.incidentId }));
    } else {
      views.set(name, { ...views.get(name)!, heal });
    }
    const abort = new AbortController();
    const w: Watcher = { spec, heal, abort, done: Promise.resolve() };
    watchers.set(name, w);
    publish({ kind: 'vm-state', vm: name, state: 'starting', reason: heal ? 'watched and healed' : 'watched only (not in the heal policy)' });
    w.done = watchVm({
      spec, app, deps, incidents: store.incidents, signal: abort.signal, heal,
      onBoot: (event) => {
        publish({ kind: 'boot', vm: name, event });
        if (!heal && event.type === 'verdict' && event.status !== 'ready') log.warn('not healed: the heal policy leaves this VM to its operator', { vm: name, bootId: event.bootId });
      },
      onHeal: (event) => publish({ kind: 'heal', vm: name, event }),
      onConsoleLine: (l) => hub.publish({ kind: 'console', vm: name, bootId: l.bootId, line: l.line, text: l.text, atMs: l.atMs }),
    }).then(
      (end) => {
        log.info('watch ended', { vm: name, boots: end.outcomes.length, incidents: end.incidents.join(',') || undefined });
        const v = views.get(name);
        if (v !== undefined && BUSY.has(v.state) && watchers.get(name) === w) publish({ kind: 'vm-state', vm: name, state: 'stopped', reason: abort.signal.aborted ? 'stopped by bootmedic' : 'the watch ended' });
      },
      (e: unknown) => {
        // Stopped while it waited in the admission queue (reload, close): no failure of the VM's.
        if (abort.signal.aborted && (e as Error).name === 'AbortError') {
          if (watchers.get(name) === w) publish({ kind: 'vm-state', vm: name, state: 'stopped', reason: 'stopped by bootmedic' });
          return;
        }
        log.error('watch failed', { vm: name, code: isBootmedicError(e) ? e.code : undefined, error: (e as Error).message });
        if (watchers.get(name) === w) publish({ kind: 'vm-state', vm: name, state: 'failed', reason: (e as Error).message });
      },
    ).finally(() => {
      if (watchers.get(name) !== w) return;
      if (w.next !== undefined && closing === undefined) {
        start(w.next.spec, w.next.heal);
        return;
      }
      // The VM stays in the fleet with its last state and verdict; a change to its file restarts it.
    });
  }

  async function stop(name: string): Promise<void> {
    const w = watchers.get(name);
    if (w === undefined) return;
    w.next = undefined;
    w.abort.abort();
    await w.done;
  }

  async function restart(name: string): Promise<void> {
    const w = watchers.get(name);
    const next = w?.next;
    if (w === undefined || next === undefined) return;
    w.next = undefined;
    w.abort.abort();
    await w.done;
    if (closing === undefined && watchers.get(name) === w) start(next.spec, next.heal);
  }

  async function reloadNow(): ReturnType<Service['reload']> {
    const keptNames = [...watchers.keys()];
    if (closing !== undefined) return { added: [], removed: [], kept: keptNames, changed: [], error: { code: 'SERVICE_CLOSED', message: 'the service is stopping' } };
    let next: ServiceConfig;
    let specs: VmSpec[];
    try {
      next = loadServiceConfig({ file: configFile, defaultFile: opts.defaultConfigFile, home: app.home });
      specs = loadVmSources(next);
    } catch (e) {
      const code = isBootmedicError(e) ? e.code : 'ERROR';
      log.error('reload failed: the running config stays in force', { code, error: (e as Error).message });
      return { added: [], removed: [], kept: keptNames, changed: [], error: { code, message: (e as Error).message } };
    }
    current = next;
    const wanted = new Map(specs.map((s) => [s.name, s] as const));
    const added: string[] = [];
    const removed: string[] = [];
    const kept: string[] = [];
    const changed: string[] = [];
    for (const name of [...watchers.keys()]) {
      if (wanted.has(name)) continue;
      removed.push(name);
      await stop(name);
      watchers.delete(name);
      views.delete(name);
      hub.publish({ kind: 'vm-state', vm: name, state: 'stopped', reason: 'removed from the config' });
    }
    for (const [name, spec] of wanted) {
      const heal = healAllowed(next, name);
      const w = watchers.get(name);
      if (w === undefined) {
        if (libvirt.owns(name)) {
          log.warn('VM file not watched: a libvirt domain of that name is in the fleet', { vm: name });
          continue;
        }
        added.push(name);
        start(spec, heal);
        continue;
      }
      kept.push(name);
      if (keyOf(w.spec, w.heal) === keyOf(spec, heal)) {
        w.next = undefined;
        continue;
      }
      changed.push(name);
      w.next = { spec, heal };
      const state = views.get(name)?.state;
      // A boot or an incident in progress finishes on the old file; the watch restarts after it.
      if (state === undefined || !BUSY.has(state)) void restart(name);
    }
    const lv = await libvirt.sync(next);
    removed.push(...lv.removedVms);
    log.info('reloaded', { libvirtAdded: lv.startedUris.join(',') || undefined, libvirtRemoved: lv.stoppedUris.join(',') || undefined, added: added.join(',') || undefined, removed: removed.join(',') || undefined, changed: changed.join(',') || undefined, kept: kept.length });
    return { added, removed, kept, changed };
  }

  // Drills get the plain hypervisor and ledger, as `bootmedic drill` does: their throw-away VMs are no catalogue's business.
  const drillDeps: SupervisorDeps = { hypervisor: createQemuHypervisor(app, { guests: guestSource(app), admission, vmNice }), home: app.home, store, record: appendLedger };
  const drills = createDrillRunner({ app, deps: drillDeps, ledger: { append: appendLedger, checkpoint: () => ledger.checkpoint() }, incidents: store.incidents, hub, log, maxScenarios: () => current.drill.maxScenarios });

  // The libvirt URIs' domains: watched through the same supervisor, healed only when opted in; never stopped by close().
  const libvirt = createLibvirtFleet({
    app, store, incidents: store.incidents, views, publish, log,
    ...(opts.libvirtDomains !== undefined ? { accept: opts.libvirtDomains } : {}),
    deps: { home: app.home, store, record: appendLedger },
    announce: (e) => {
      hub.publish(e);
      logEvent(log, e);
    },
  });

  if (config.onStop === 'leave-running') log.warn('onStop: leave-running cannot keep QEMU VMs up (QEMU dies with bootmedic by design); they are shut down on stop');
  for (const s of initialSpecs) start(s, healAllowed(config, s.name));
  await libvirt.sync(config);
  started = true;
  log.info('service started', { vms: initialSpecs.length, libvirt: config.libvirt.uris.join(',') || undefined, home: app.home, config: config.source ?? '(defaults)' });

  const configFile = opts.configFile ?? config.source;

  const service: Service = {
    hub,
    home: app.home,
    store,
    ledger,
    fleet: () => orderFleet(views.values()),
    vm: (name) => views.get(name),
    config: () => current,
    startDrill(o) {
      if (closing !== undefined) throw serviceErrors.make('SERVICE_CLOSED', 'the service is stopping: no drill starts now');
      return drills.start(o);
    },
    drills: () => drills.list(),
    drill: (id) => drills.get(id),
    ready: () => started && closing === undefined,
    reload() {
      // Reloads run one after the other: two SIGHUPs in a row must not stop a VM twice.
      const run = reloads.then(reloadNow);
      reloads = run.then(() => undefined);
      return run;
    },
    close() {
      closing ??= (async () => {
        log.info('stopping', { vms: watchers.size });
        for (const w of watchers.values()) {
          w.next = undefined;
          w.abort.abort();
        }
        // libvirt domains are left alone: only their watches stop (and the virsh event streams with them).
        await Promise.allSettled([...[...watchers.values()].map((w) => w.done), drills.close(), libvirt.close()]);
        await ledger.close();
        store.close();
        log.info('stopped');
      })();
      return closing;
    },
  };
  return service;
}
