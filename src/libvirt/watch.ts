// `bootmedic watch --libvirt URI`: every watchable domain of a URI, each boot and reboot a
// boot record through superviseVm (watch mode, one supervision per run of a domain). The
// domain list is kept current from the lifecycle stream (Defined, Undefined, Started,
// Stopped) and re-read after libvirtd comes back. Watching never acts on a domain: the
// hypervisor is in 'watch' control, so a verdict only detaches; healing is opt-in and
// belongs to the heal hooks (afterOutcome after a run, resume when a domain starts being
// followed: an incident a killed bootmedic left open is finished before anything else).
//
// When does a boot start? At `Started` (its console begins where the log ended when the
// domain was last seen stopped), and, after a failed or stalled verdict while the domain
// keeps running, at the guest's next RESET (not after a boot-loop verdict: the loop would
// only be reported again every few resets). A domain already running when the watch starts
// is followed from its next boot: judging a boot from its middle would call a long-running
// quiet server stalled.
import { setTimeout as sleep } from 'node:timers/promises';
import { assertNever, type BootmedicError } from '../core/index.ts';
import { superviseVm, type BootOutcome, type SuperviseOptions, type SupervisorDeps, type SupervisorEvent } from '../supervisor/index.ts';
import { describeDomain, listDomains, type DomainEntry } from './discovery.ts';
import { domainSpec, vmNameOf } from './domain-spec.ts';
import { parseDomstate } from './domain-process.ts';
import { createEventHub, type EventHub, type HubEvent } from './event-hub.ts';
import { createLibvirtHypervisor, logSize } from './libvirt-hypervisor.ts';
import { logProblem } from './log-tailer.ts';
import { virsh } from './virsh.ts';

/** What the libvirt watch reports beside the supervisor's events. */
export type LibvirtWatchEvent =
  | (SupervisorEvent & { domain: string })
  /** A domain found, defined, undefined or changed: watched or not, with the XML that would make it watchable. */
  | { type: 'domain'; vm: string; domain: string; change: 'found' | 'defined' | 'undefined'; state: string; watchable: boolean; optIn: boolean; serialLog?: string; fixXml?: string }
  /** A domain is followed from its next boot (running: its next reset or start; stopped: its next start). */
  | { type: 'waiting'; vm: string; domain: string; for: 'start' | 'start-or-reset' }
  /**
   * Something about a domain failed. `during` says what, and whether the watch still follows it:
   * 'follow': it cannot be watched (an unreadable log, bad metadata) and is not followed until
   * it is defined again; 'boot': one run could not be supervised; 'resume' / 'heal': the resume
   * hook or the afterOutcome hook threw (its incident stays open). After 'boot', 'resume' and
   * 'heal' the domain is still followed, from its next start or reset.
   */
  | { type: 'error'; vm: string; domain: string; code: string; message: string; fix: string; during: WatchErrorStage }
  /** The event streams were lost (libvirtd restarted) or are back. */
  | { type: 'libvirt'; uri: string; state: 'lost' | 'back'; reason?: string };

export type LibvirtWatchOptions = Readonly<{
  uri: string;
  deps: Omit<SupervisorDeps, 'hypervisor'>;
  signal: AbortSignal;
  onEvent: (e: LibvirtWatchEvent) => void;
  /** Domains bootmedic's config opts in to healing (reported; watching never acts). */
  healList?: readonly string[];
  /** Each cleaned console line of a supervised boot (the service's live console). */
  onConsoleLine?: SuperviseOptions['onConsoleLine'];
  /**
   * --heal: called after each supervised run's last outcome, while the follower waits (the
   * domain's lock is free); what the callee's own boots start is its own record, not a boot
   * the follower judges again.
   */
  afterOutcome?: (domain: string, outcome: BootOutcome, signal: AbortSignal) => Promise<void>;
  /**
   * --heal: called once when a domain starts being followed, before its first boot is
   * awaited: resumes an incident an earlier (killed) bootmedic left open; true when it did.
   * Its boots, like afterOutcome's, are its own record.
   */
  resume?: (domain: string, signal: AbortSignal) => Promise<boolean>;
}>;

type Boundary = 'started' | 'reset';

/** What failed in a watch error: following the domain at all, or one run, resume or heal of a domain still followed. */
export type WatchErrorStage = 'follow' | 'boot' | 'resume' | 'heal';
type OnError = (domain: string, e: BootmedicError, during: WatchErrorStage) => void;

/** How many boots a watch saw, by verdict (interrupted ones count in `boots` only). */
export type LibvirtWatchTotals = { boots: number; ready: number; failed: number; stalled: number };

/**
 * Watches every domain of `opts.uri` until `opts.signal` aborts; resolves with the totals. LIBVIRT_URI_UNREACHABLE when the URI does not answer at the start.
 * @example
 * await watchLibvirt({ uri: 'qemu:///system', deps: { home }, signal, onEvent: (e) => print(e) });
 */
export async function watchLibvirt(opts: LibvirtWatchOptions): Promise<LibvirtWatchTotals> {
  const { uri } = opts;
  const listed = await listDomains(uri, { ...(opts.healList ? { healList: opts.healList } : {}), signal: opts.signal });
  const hub = createEventHub(uri, { signal: opts.signal });
  // Counts, not the outcomes themselves: a watch runs for months (the outcomes are in the store and on onEvent).
  const totals = { boots: 0, ready: 0, failed: 0, stalled: 0 };
  const followers = new Map<string, { stop: () => void; done: Promise<void> }>();
  const known = new Set<string>();

  const report = (d: DomainEntry, change: 'found' | 'defined' | 'undefined') =>
    opts.onEvent({
      type: 'domain', vm: vmNameOf(d.name), domain: d.name, change, state: d.state, watchable: d.watchable, optIn: d.optIn,
      ...(d.serialLog !== undefined ? { serialLog: d.serialLog } : {}), ...(d.fixXml !== undefined ? { fixXml: d.fixXml } : {}),
    });

  /** Follows `d`; `justStarted`: it was found through its Started event, so that start is its first boot. */
  const start = (d: DomainEntry, justStarted = false) => {
    if (!d.watchable || followers.has(d.name) || opts.signal.aborted) return;
    const problem = logProblem(d.serialLog!, d.name);
    if (problem !== undefined) return reportError(d.name, problem, 'follow');
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(opts.signal.reason);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const done = follow(d, hub, opts, ctl.signal, (o) => count(totals, o), reportError, justStarted)
      .catch((e: unknown) => reportError(d.name, e as BootmedicError, 'follow'))
      .finally(() => {
        opts.signal.removeEventListener('abort', onAbort);
        followers.delete(d.name);
      });
    followers.set(d.name, { stop: () => ctl.abort(new Error('domain undefined')), done });
  };
  const reportError: OnError = (domain, e, during) => {
    opts.onEvent({ type: 'error', vm: vmNameOf(domain), domain, code: e.code ?? 'ERROR', message: e.message, fix: e.fix ?? '', during });
  };

  const reconcile = async (change: 'defined' | 'found') => {
    let now: DomainEntry[];
    try {
      now = await listDomains(uri, { ...(opts.healList ? { healList: opts.healList } : {}), signal: opts.signal });
    } catch {
      return; // unreachable again: the next resync reconciles
    }
    const names = new Set(now.map((d) => d.name));
    for (const d of now) {
      if (!known.has(d.name)) {
        known.add(d.name);
        report(d, change);
      }
      start(d);
    }
    for (const n of [...known]) {
      if (names.has(n)) continue;
      known.delete(n);
      followers.get(n)?.stop();
      opts.onEvent({ type: 'domain', vm: vmNameOf(n), domain: n, change: 'undefined', state: 'undefined', watchable: false, optIn: false });
    }
  };

  // Both streams end together when libvirtd restarts: one line when they go, one when they are back.
  let lost = false;
  const offAll = hub.subscribe('*', (e: HubEvent) => {
    if (e.type === 'lost' && !lost) {
      lost = true;
      opts.onEvent({ type: 'libvirt', uri, state: 'lost', reason: e.reason });
    }
    if (e.type === 'resync') {
      if (lost) opts.onEvent({ type: 'libvirt', uri, state: 'back' });
      lost = false;
      void reconcile('found');
    }
    if (e.type !== 'lifecycle') return;
    if (e.event === 'Undefined') {
      followers.get(e.domain)?.stop();
      if (known.delete(e.domain)) opts.onEvent({ type: 'domain', vm: vmNameOf(e.domain), domain: e.domain, change: 'undefined', state: 'undefined', watchable: false, optIn: false });
      return;
    }
    // A new domain, or one that has just become watchable (defined again with a serial log).
    if (e.event === 'Defined' || (e.event === 'Started' && !followers.has(e.domain))) {
      void describeDomain(uri, e.domain, { ...(opts.healList ? { healList: opts.healList } : {}) }).then(
        (d) => {
          if (!known.has(d.name) || !followers.has(d.name)) report(d, 'defined');
          known.add(d.name);
          start(d, e.event === 'Started');
        },
        () => undefined,
      );
    }
  });

  await hub.ready;
  // A domain that started between the listing and the streams' start: its Started event
  // was missed, so this run is its first boot.
  const runningNow = await virsh(uri, ['list', '--name'], { signal: opts.signal }).then(
    (r) => new Set(r.stdout.split('\n').map((l) => l.trim())),
    () => new Set<string>(),
  );
  for (const d of listed) {
    known.add(d.name);
    report(d, 'found');
    start(d, d.state === 'shut off' && runningNow.has(d.name));
  }
  await new Promise<void>((r) => (opts.signal.aborted ? r() : opts.signal.addEventListener('abort', () => r(), { once: true })));
  await Promise.all([...followers.values()].map((f) => f.done));
  offAll();
  await hub.close();
  return totals;
}

function count(t: LibvirtWatchTotals, o: BootOutcome): void {
  t.boots++;
  if (o.status === 'ready' || o.status === 'failed' || o.status === 'stalled') t[o.status]++;
}

/** Follows one domain: waits for each boot's start, supervises it, and again, until `signal` aborts. */
async function follow(d: DomainEntry, hub: EventHub, opts: LibvirtWatchOptions, signal: AbortSignal, onOutcome: (o: BootOutcome) => void, onError: OnError, justStarted: boolean): Promise<void> {
  const domain = d.name;
  let log = d.serialLog!;
  let append = d.xml.serialLogAppend;
  let running = d.state === 'running' || d.state === 'paused' || d.state === 'in shutdown';
  let offsetAtStop = d.serialLogSize ?? logSize(log);
  let supervising = false;
  let allowReset = running;
  const queue: { b: Boundary; from: number }[] = [];
  let wake: (() => void) | undefined;
  const push = (b: Boundary, from: number) => {
    queue.push({ b, from });
    wake?.();
  };
  const off = hub.subscribe(domain, (e) => {
    switch (e.type) {
      case 'lifecycle':
        if (e.event === 'Started') {
          running = true;
          // Without append='on' virtlogd truncated the log at this start: the boot is all of it.
          push('started', append ? offsetAtStop : 0);
        } else if (e.event === 'Stopped') {
          running = false;
          offsetAtStop = logSize(log);
          // A reset of a run that has ended starts nothing.
          for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.b === 'reset') queue.splice(i, 1);
        }
        return;
      case 'qmp':
        if (e.event === 'RESET' && e.data['guest'] !== false && !supervising && allowReset && running && !queue.some((q) => q.b === 'reset')) push('reset', logSize(log));
        return;
      case 'resync':
        // A start missed while libvirtd was away.
        if (!supervising && !running) {
          void virsh(opts.uri, ['domstate', '--reason', domain]).then((r) => {
            if (parseDomstate(r.stdout).state === 'running' && !running) {
              running = true;
              push('started', append ? offsetAtStop : 0);
            }
          }, () => undefined);
        }
        return;
      case 'reboot':
      case 'other':
      case 'lost':
        return;
      default:
        assertNever(e, 'hub event');
    }
  });
  // Started while we looked away (between the listing and the streams' start, or defined and
  // started at once): this run is its first boot, from where the log was when it was described.
  if (justStarted) push('started', append ? offsetAtStop : 0);
  const next = async (): Promise<{ b: Boundary; from: number } | undefined> => {
    while (queue.length === 0 && !signal.aborted) {
      await new Promise<void>((r) => {
        wake = r;
        signal.addEventListener('abort', () => r(), { once: true });
      });
      wake = undefined;
    }
    return signal.aborted ? undefined : queue.shift();
  };

  const emit = (e: SupervisorEvent) => {
    // After a verdict the watch only detaches: say so, the domain is not stopped.
    if (e.type === 'vm-exit' && running && e.reason === 'stopped by bootmedic') {
      opts.onEvent({ ...e, reason: 'detached after the verdict; the domain keeps running', domain });
      return;
    }
    opts.onEvent({ ...e, domain });
  };

  /** After a heal hook: the boots it started were its own; the domain is where the heal left it. */
  const afterHeal = async () => {
    queue.length = 0;
    offsetAtStop = logSize(log);
    running = await virsh(opts.uri, ['domstate', '--reason', domain]).then((r) => parseDomstate(r.stdout).state === 'running', () => running);
  };

  try {
    // An incident a killed bootmedic left open is finished first (a domain it was verifying
    // may still run that boot: the heal's verification boot starts it afresh).
    if (opts.resume !== undefined) {
      const resumed = await opts.resume(domain, signal).catch((e: unknown) => {
        if (!signal.aborted) onError(domain, e as BootmedicError, 'resume');
        return false;
      });
      if (signal.aborted) return;
      if (resumed) {
        await afterHeal();
        allowReset = running;
      }
    }
    opts.onEvent({ type: 'waiting', vm: vmNameOf(domain), domain, for: running ? 'start-or-reset' : 'start' });
    for (;;) {
      const boundary = await next();
      if (boundary === undefined) return;
      // The XML may have changed since (memory, metadata, the log path): read it again.
      let entry: DomainEntry;
      try {
        entry = await describeDomain(opts.uri, domain, { ...(opts.healList ? { healList: opts.healList } : {}), signal });
      } catch (e) {
        if (signal.aborted) return;
        if ((e as BootmedicError).code === 'LIBVIRT_DOMAIN_NOT_FOUND') return;
        onError(domain, e as BootmedicError, 'follow');
        return;
      }
      if (entry.serialLog === undefined) return; // defined again without a log: the discovery reports it
      log = entry.serialLog;
      append = entry.xml.serialLogAppend;
      const spec = domainSpec(entry.xml, opts.uri);
      const from = boundary.from;
      const hypervisor = createLibvirtHypervisor({ uri: opts.uri, control: 'watch', hub, consoleFrom: () => from, ...(opts.healList ? { healList: opts.healList } : {}) });
      supervising = true;
      let last: BootOutcome | undefined;
      try {
        const outs = await superviseVm(spec, { ...opts.deps, hypervisor }, { mode: 'watch', keepFailed: true, signal, onEvent: emit, ...(opts.onConsoleLine ? { onConsoleLine: opts.onConsoleLine } : {}) });
        for (const o of outs) onOutcome(o);
        last = outs.at(-1);
      } catch (e) {
        if (signal.aborted) return;
        onError(domain, e as BootmedicError, 'boot');
        // A busy VM (another bootmedic) or a broken run: wait for the next boot, not at once.
        await sleep(1000, undefined, { signal }).catch(() => undefined);
      } finally {
        supervising = false;
      }
      if (signal.aborted) return;
      if (last !== undefined && opts.afterOutcome !== undefined) {
        await opts.afterOutcome(domain, last, signal).catch((e: unknown) => onError(domain, e as BootmedicError, 'heal'));
        if (signal.aborted) return;
        await afterHeal();
      }
      allowReset = running && last?.cause !== 'boot-loop';
      // A verdict was reached while running: the run's later resets count from here.
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i]!.b === 'reset') queue.splice(i, 1);
      opts.onEvent({ type: 'waiting', vm: vmNameOf(domain), domain, for: running && allowReset ? 'start-or-reset' : 'start' });
    }
  } finally {
    off();
  }
}
