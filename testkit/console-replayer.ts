// Replays recorded boots (testkit/consoles/<name>.jsonl, written by
// scripts/record-consoles.ts from real QEMU) into a consumer with an injected clock, so
// logic tests see the real bytes, in the real order, at the real offsets, without waiting.
import { readFileSync } from 'node:fs';
import type { ExitInfo, VmEvent, VmProcess } from '../src/hypervisor/index.ts';

/** A recorded boot: what QEMU printed and reported, with arrival times in ms since spawn. */
export type Recording = { meta: Record<string, unknown>; events: VmEvent[] };

/** A clock tests move by hand; hand `now` to anything that takes an injected clock. */
export type ManualClock = { now(): number; set(ms: number): void; advance(ms: number): void };

/** Creates a manual clock starting at `start` ms; it never goes backwards. */
export function createManualClock(start = 0): ManualClock {
  let t = start;
  return {
    now: () => t,
    set(ms) {
      t = Math.max(t, ms);
    },
    advance(ms) {
      t += ms;
    },
  };
}

/** Names of the recordings shipped in testkit/consoles/. */
export function recordingPath(name: string): string {
  return new URL(`./consoles/${name}.jsonl`, import.meta.url).pathname;
}

/** Parses a recording from JSONL text (meta, console b64 chunks, qmp events, exit). */
export function parseRecording(text: string): Recording {
  let meta: Record<string, unknown> = {};
  const events: VmEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    const atMs = Number(r['atMs'] ?? 0);
    switch (r['type']) {
      case 'meta':
        meta = r;
        break;
      case 'console':
        events.push({ type: 'console', chunk: new Uint8Array(Buffer.from(String(r['b64']), 'base64')), atMs });
        break;
      case 'qmp':
        events.push({ type: 'qmp', event: String(r['event']), data: (r['data'] as Record<string, unknown>) ?? {}, atMs, ...(r['repeat'] === true ? { repeat: true as const } : {}) });
        break;
      case 'exit':
        events.push({ type: 'exit', code: (r['code'] as number | null) ?? null, signal: (r['signal'] as string | null) ?? null, stderr: '', atMs });
        break;
      default:
        throw new Error(`recording: unknown record type ${JSON.stringify(r['type'])}`);
    }
  }
  return { meta, events };
}

/** Loads testkit/consoles/<name>.jsonl, or a recording at a path. */
export function loadRecording(nameOrPath: string): Recording {
  const path = nameOrPath.includes('/') ? nameOrPath : recordingPath(nameOrPath);
  return parseRecording(readFileSync(path, 'utf8'));
}

/** A recording made from a plain console log (no timing): fixed-size chunks `msPerChunk` apart. */
export function recordingFromLog(bytes: Uint8Array | string, opts: { chunkBytes?: number; msPerChunk?: number } = {}): Recording {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
  const size = opts.chunkBytes ?? 256;
  const step = opts.msPerChunk ?? 1;
  const events: VmEvent[] = [];
  for (let i = 0, n = 0; i < buf.length; i += size, n++) events.push({ type: 'console', chunk: new Uint8Array(buf.subarray(i, i + size)), atMs: n * step });
  return { meta: { source: 'log' }, events };
}

/**
 * Feeds the events of a recording to `onEvent` in order, setting `clock` to each event's
 * time first. Stops early when `until` returns true for a delivered event.
 */
export function replay(rec: Recording, onEvent: (ev: VmEvent) => void, opts: { clock?: ManualClock; until?: (ev: VmEvent) => boolean } = {}): { delivered: number; endMs: number } {
  let delivered = 0;
  let endMs = 0;
  for (const ev of rec.events) {
    opts.clock?.set(ev.atMs);
    onEvent(ev);
    delivered++;
    endMs = ev.atMs;
    if (opts.until?.(ev)) break;
  }
  return { delivered, endMs };
}

/** A VmProcess whose events come from a recording; `play()` delivers them (stop() ends early with an exit). */
export type ReplayVm = VmProcess & { play(): Promise<void>; readonly qmpCalls: { command: string; args?: Record<string, unknown> }[] };

/**
 * A VmProcess backed by a recording, for boot-loop logic tests: events are delivered by
 * play(), one per macrotask so consumers may react (call stop(), qmp()) between them.
 */
export function createReplayVm(rec: Recording, opts: { clock?: ManualClock; accel?: 'kvm' | 'tcg'; qmpReplies?: Record<string, unknown> } = {}): ReplayVm {
  const listeners = new Set<(ev: VmEvent) => void>();
  const qmpCalls: ReplayVm['qmpCalls'] = [];
  let stopped = false;
  let resolveExit: (e: ExitInfo) => void = () => {};
  const exited = new Promise<ExitInfo>((r) => (resolveExit = r));
  let last = 0;
  const deliver = (ev: VmEvent) => {
    opts.clock?.set(ev.atMs);
    last = ev.atMs;
    for (const fn of [...listeners]) fn(ev);
    if (ev.type === 'exit') {
      const { type: _t, ...info } = ev;
      resolveExit(info);
    }
  };
  const finish = () => deliver({ type: 'exit', code: 0, signal: null, stderr: '', atMs: last });
  return {
    pid: 0,
    accel: opts.accel ?? 'tcg',
    runDir: '',
    argv: (rec.meta['argv'] as string[] | undefined) ?? [],
    qmpCalls,
    onEvent(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async qmp(command, args) {
      qmpCalls.push({ command, ...(args ? { args } : {}) });
      return opts.qmpReplies?.[command] ?? {};
    },
    sendConsole() {},
    async stop() {
      if (!stopped) {
        stopped = true;
        finish();
      }
      return exited;
    },
    exited,
    async play() {
      for (const ev of rec.events) {
        if (stopped) return;
        deliver(ev);
        if (ev.type === 'exit') {
          stopped = true;
          return;
        }
        await new Promise((r) => setImmediate(r));
      }
      if (!stopped) {
        stopped = true;
        finish();
      }
    },
  };
}
