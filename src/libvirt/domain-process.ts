// One run of a libvirt domain seen as a VmProcess, so superviseVm drives it unchanged:
// console bytes from its serial log (tailed from the offset where this run starts), QMP
// events from the URI's qemu-monitor-event stream, and an `exit` when libvirt says the
// domain stopped. Lifecycle events are kept in the record as LIBVIRT_LIFECYCLE events
// (`Crashed Panicked`, ...). stop() destroys the domain only when the caller owns it (an
// opted-in domain bootmedic started); otherwise it only detaches: the domain keeps running.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { hvErrors, type Accel, type ExitInfo, type VmEvent, type VmProcess } from '../hypervisor/index.ts';
import { assertNever, type BootmedicError } from '../core/index.ts';
import type { EventHub, HubEvent } from './event-hub.ts';
import { tailLog, type LogTailer } from './log-tailer.ts';
import { virsh } from './virsh.ts';

/** The event name under which libvirt lifecycle events are kept with a boot's QMP events. */
export const LIFECYCLE_EVENT = 'LIBVIRT_LIFECYCLE';

const RESET_BURST_MS = 1000;
/** How long a GUEST_PANICKED waits for the console lines that explain it (they come through virtlogd's file). */
const PANIC_HOLD_MS = 150;
const BACKLOG_MAX = 10_000;

export type DomainProcessOptions = Readonly<{
  uri: string;
  domain: string;
  accel: Accel;
  runDir: string;
  hub: EventHub;
  serialLog: string;
  /** Byte offset of the serial log where this run's console starts. */
  from: number;
  /** `virsh domid` of this run, to notice a restart missed while libvirtd was down. */
  domid?: string;
  /** 'destroy': stop() destroys the domain (an opted-in domain the caller started). 'detach': stop() only stops watching. */
  onStop: 'detach' | 'destroy';
  /** Called with an unreadable-log error (the run then ends: nothing can be judged without the console). */
  onError?: (e: BootmedicError) => void;
}>;

/** libvirt's `domstate --reason` answer: `running (booted)`, `shut off (crashed)`, ... */
export function parseDomstate(out: string): { state: string; reason: string } {
  const m = /^\s*(.+?)(?:\s+\((.*)\))?\s*$/.exec(out.split('\n').find((l) => l.trim() !== '') ?? '');
  return { state: m?.[1] ?? 'unknown', reason: m?.[2] ?? '' };
}

/** Attaches to the current run of a domain and returns it as a VmProcess. */
export function attachDomain(o: DomainProcessOptions): VmProcess & { readonly detached: () => boolean; readonly offset: () => number } {
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const listeners = new Set<(ev: VmEvent) => void>();
  let backlog: VmEvent[] | undefined = [];
  const emit = (ev: VmEvent) => {
    if (ended) return;
    if (backlog && backlog.length < BACKLOG_MAX) backlog.push(ev);
    for (const fn of [...listeners]) fn(ev);
  };
  let ended = false;
  let detached = false;
  let resolveExit!: (i: ExitInfo) => void;
  const exited = new Promise<ExitInfo>((r) => (resolveExit = r));

  let lastReset = -Infinity;
  let consoleSinceReset = true;
  let off = () => {};
  // tailLog reads at once: an unreadable log ends the run before `tail` is assigned.
  let tail: LogTailer | undefined;
  const end = (why: string, error?: BootmedicError) => {
    if (ended) return;
    // The last lines of this run count: read the log to its end first.
    tail?.close();
    const info: ExitInfo = { code: null, signal: null, stderr: why, ...(error !== undefined ? { error } : {}), atMs: now() };
    emit({ type: 'exit', ...info });
    ended = true;
    off();
    resolveExit(info);
  };

  tail = tailLog(o.serialLog, {
    from: o.from,
    domain: o.domain,
    onChunk: (chunk) => {
      consoleSinceReset = true;
      emit({ type: 'console', chunk, atMs: now() });
    },
    onError: (e) => {
      o.onError?.(e);
      end(`the serial log cannot be read: ${e.message}`, e);
    },
  });

  const catchUp = async () => {
    try {
      const st = parseDomstate((await virsh(o.uri, ['domstate', '--reason', o.domain])).stdout);
      if (st.state === 'shut off') return end(`domain ${o.domain} stopped while libvirtd was away (${st.state}, ${st.reason})`);
      if (o.domid !== undefined) {
        const id = (await virsh(o.uri, ['domid', o.domain])).stdout.trim();
        if (id !== o.domid) end(`domain ${o.domain} was restarted while libvirtd was away (id ${o.domid} → ${id})`);
      }
    } catch (e) {
      if ((e as BootmedicError).code === 'LIBVIRT_DOMAIN_NOT_FOUND') end(`domain ${o.domain} was undefined while libvirtd was away`);
      // Unreachable again: the next resync tries again.
    }
  };

  // Hub events are handled one after another, in arrival order; a GUEST_PANICKED waits a
  // moment first (below), and what came after it waits with it.
  let chain = Promise.resolve();
  const onHub = (e: HubEvent) => {
    const atMs = now();
    chain = chain.then(() => handle(e, atMs));
  };
  const handle = async (e: HubEvent, atMs: number) => {
    if (ended) return;
    switch (e.type) {
      case 'qmp': {
        // The guest printed its console lines before it raised the event, but they reach us
        // through virtlogd and the log file, the event through libvirtd and virsh: read the
        // log first, so the console's own evidence (the panic trace) decides when it can.
        tail?.flush();
        if (e.event === 'GUEST_PANICKED') {
          await sleep(PANIC_HOLD_MS);
          if (ended) return;
          tail?.flush();
        }
        let repeat = false;
        if (e.event === 'RESET') {
          repeat = !consoleSinceReset && atMs - lastReset < RESET_BURST_MS;
          lastReset = atMs;
          consoleSinceReset = false;
        }
        emit({ type: 'qmp', event: e.event, data: e.data, atMs, ...(repeat ? { repeat: true as const } : {}) });
        return;
      }
      case 'lifecycle':
        if (e.event === 'Crashed' || e.event === 'Stopped') tail?.flush();
        emit({ type: 'qmp', event: LIFECYCLE_EVENT, data: { event: e.event, detail: e.detail, at: new Date(e.at).toISOString() }, atMs });
        if (e.event === 'Stopped') end(`domain ${o.domain} stopped (${e.event} ${e.detail})`);
        if (e.event === 'Undefined') end(`domain ${o.domain} was undefined`);
        return;
      case 'reboot':
      case 'other':
      case 'lost':
        return;
      case 'resync':
        void catchUp();
        return;
      default:
        assertNever(e, 'hub event');
    }
  };
  if (!ended) off = o.hub.subscribe(o.domain, onHub);

  return {
    pid: 0,
    accel: o.accel,
    runDir: o.runDir,
    argv: ['virsh', '-c', o.uri, 'domain', o.domain],
    detached: () => detached,
    offset: () => tail?.offset() ?? o.from,
    onEvent(fn) {
      listeners.add(fn);
      if (backlog) {
        const past = backlog;
        backlog = undefined;
        for (const ev of past) fn(ev);
      }
      return () => listeners.delete(fn);
    },
    qmp: (command) => Promise.reject(hvErrors.make('HV_QMP_ERROR', `QMP ${command}: not available on libvirt domain ${o.domain} (bootmedic never sends monitor commands to a libvirt domain: qemu-monitor-command taints it)`)),
    // Writing to the console would take the pty from an operator's `virsh console`.
    sendConsole: () => {},
    async stop(opts = {}) {
      if (ended) return exited;
      if (o.onStop === 'detach') {
        detached = true;
        end(`detached from domain ${o.domain}: it keeps running`);
        return exited;
      }
      await virsh(o.uri, ['destroy', o.domain], { timeoutMs: Math.max(10_000, opts.graceMs ?? 0) }).catch(() => undefined);
      // The Stopped event ends the run; a lost stream must not leave stop() waiting for ever.
      const timer = setTimeout(() => end(`domain ${o.domain} destroyed by bootmedic`), 15_000);
      await exited;
      clearTimeout(timer);
      return exited;
    },
    exited,
  };
}
