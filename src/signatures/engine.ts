import { consoleLineAt, createLiteralFinder } from '../console/index.ts';
import type { ByteBlock, ConsoleLine, LineSkipper, LiteralFinder } from '../console/index.ts';
import { createAnchorIndex } from './anchor-index.ts';
import type { AnchorIndex, Hit } from './anchor-index.ts';
import { defaultKb } from './kb.ts';
import type { CrashHeader, Kb, Marker, Rule } from './kb.ts';
import { isBootCrashTitle, isFirmwareLine, kernelReport, oopsHeaderRe, oopsHeaders, panicTitle } from './kernel-title.ts';
import { messageBody } from './message-body.ts';
import { createRecoveryHold } from './recovery-hold.ts';
import { decodeStopCode } from './stop-codes.ts';
import { BOOT_PHASES, phaseRank } from '../core/index.ts';
import type { BootPhase, Component, EngineOptions, Finding, Layer, ReadyMatcher } from './types.ts';

/** A streaming matcher over one boot's console lines. */
export interface SignatureEngine {
  /** Findings completed by this line (streaming); read-only (a shared empty array when none). */
  push(line: ConsoleLine): Finding[];
  /** Prompt detection on the unterminated tail (the same prompt is reported once). */
  partial(text: string, atMs: number): Finding[];
  /**
   * Flushes pending reports; without a fatal finding or a ready signal, adds 'incomplete-boot'.
   * `reached` is a phase the boot's owner saw it reach by a signal the engine does not
   * know (the VM's own ready marker): findings held for their recovery settle against it.
   * Findings still held are returned with the severity of their rule.
   */
  end(reached?: BootPhase): Finding[];
  /**
   * Give this to the line splitter (`createLineSplitter({ skipper })`) to let it pass over
   * the lines that cannot change anything here without building them: the findings are
   * the same, only faster. Without it every line goes through push().
   */
  readonly skipper: LineSkipper;
}

const RANK = Object.fromEntries(BOOT_PHASES.map((p) => [p, phaseRank(p)])) as Readonly<Record<BootPhase, number>>;
const PHASE_COMPONENT: Readonly<Record<BootPhase, Component>> = { firmware: 'firmware', bootloader: 'bootloader', kernel: 'kernel', initramfs: 'initramfs', init: 'init', ready: 'init' };
const PHASE_LAYER: Readonly<Record<BootPhase, Layer>> = { firmware: 'image/bootloader', bootloader: 'image/bootloader', kernel: 'guest-kernel', initramfs: 'guest-userspace', init: 'guest-userspace', ready: 'guest-userspace' };
// A rule that floods (a login loop, a repeated I/O error) is reported this many times per boot.
const MAX_PER_RULE = 5;
// push() on a line without findings (nearly all of them) returns this one frozen array.
const NO_FINDINGS: readonly never[] = Object.freeze([]);

/** A kernel report window; lines the splitter passed over sit in it as slots until it is titled. */
type Pending = { header: CrashHeader; headerLine: ConsoleLine; window: (ConsoleLine | Slot)[]; endLine?: ConsoleLine };

/** Every KB entry in one pre-filter, tagged by what it is (one lookup per line). */
type Entry = (Rule & { tag: 'rule' }) | (Marker & { tag: 'marker' }) | (CrashHeader & { tag: 'header'; at: 'start'; where: 'line' });
type Index = AnchorIndex<Entry>;
const compiledCache = new WeakMap<Kb, { withReady: Index; withoutReady: Index; finders: (LiteralFinder | undefined)[]; inner: (w: string) => string[] }>();

function compile(kb: Kb, withReady: boolean): Index {
  const entries: Entry[] = [
    ...kb.markers.filter((m) => withReady || m.marks !== 'ready').map((m) => ({ ...m, tag: 'marker' as const })),
    ...kb.rules.map((r) => ({ ...r, tag: 'rule' as const })),
    ...kb.kernel.headers.map((h) => ({ ...h, tag: 'header' as const, at: 'start' as const, where: 'line' as const })),
  ];
  // The parser's oops headers ride along in the anywhere-scan (one regex pass per line).
  return createAnchorIndex<Entry>(entries, { gateAnchors: oopsHeaders() });
}

function compiledFor(kb: Kb) {
  let c = compiledCache.get(kb);
  if (c === undefined) {
    c = { withReady: compile(kb, true), withoutReady: compile(kb, false), finders: [], inner: innerWords(kb) };
    compiledCache.set(kb, c);
  }
  return c;
}

/** For each literal a finder may look for, the other such literals inside it (found once per KB). */
function innerWords(kb: Kb): (w: string) => string[] {
  const all = [...new Set([...kb.markers, ...kb.rules].map((x) => x.anchor).concat(kb.kernel.headers.map((h) => h.anchor), oopsHeaders(), kb.kernel.endMarkers))];
  const inner = new Map(all.map((w) => [w, all.filter((o) => o.length < w.length && w.includes(o))]));
  return (w) => inner.get(w) ?? [];
}

/**
 * The search for every literal whose occurrence in a line could make push() do more than
 * remember the line (default ready markers): the anchors of all line rules and crash
 * headers, the kernel-report parser's oops headers, the anchors of the markers that could
 * still move the phase from `phase` (later phases, and firmware banners, which mean a
 * reboot), and while a report window is open its end markers. A line without any of them
 * only has to be remembered for the report window, the ring and the last line (see
 * skipper in the engine).
 */
function finderFor(kb: Kb, phase: BootPhase, inReport: boolean): LiteralFinder {
  const c = compiledFor(kb);
  const r = RANK[phase];
  const k = r + (inReport ? BOOT_PHASES.length : 0);
  const known = c.finders[k];
  if (known !== undefined) return known;
  const entries = [...kb.markers.filter((m) => m.marks === 'firmware' || RANK[m.marks] > r), ...kb.rules].filter((x) => x.where !== 'partial');
  const words = [...new Set([
    ...entries.filter((x) => x.at !== 'end').map((x) => x.anchor),
    ...kb.kernel.headers.map((h) => h.anchor),
    ...oopsHeaders(),
    ...(inReport ? kb.kernel.endMarkers : []),
  ])];
  // Only whether a line holds some literal matters: one that contains another ("BUG: "
  // holds "BUG:") adds nothing, and fewer literals make a faster search.
  const present = new Set(words);
  const minimal = words.filter((w) => !c.inner(w).some((o) => present.has(o)));
  return (c.finders[k] = createLiteralFinder(minimal, entries.filter((x) => x.at === 'end').map((x) => x.anchor)));
}

/** A remembered line: built (`line`) or still offsets into its decoded block. */
type Slot = { line: ConsoleLine | undefined; src: string; from: number; to: number; no: number; atMs: number };
const newSlot = (): Slot => ({ line: undefined, src: '', from: 0, to: 0, no: 0, atMs: 0 });
const lineOf = (z: Slot): ConsoleLine => (z.line ??= consoleLineAt(z.src, z.from, z.to, z.no, z.atMs));
const isSlot = (x: ConsoleLine | Slot): x is Slot => 'src' in x;
const built = (x: ConsoleLine | Slot): ConsoleLine => (isSlot(x) ? lineOf(x) : x);

/**
 * A copy of `s` that holds only its own characters. A line is a slice of the splitter's
 * decoded block (up to 64 KiB), and V8 keeps the whole block alive for as long as a slice
 * of it lives: a finding kept by its caller would otherwise pin a block per finding.
 * (Concatenating makes a new string; slicing it flattens that into a copy.)
 */
const own = (s: string): string => (s.length < 13 ? s : (` ${s}`).slice(1));

function fill(template: string, groups: string[], extra: Record<string, string> = {}): string {
  return template.replace(/\{([a-z0-9]{1,10})\}/g, (_m, k: string) => {
    const n = Number(k);
    const v = Number.isInteger(n) ? groups[n - 1] : extra[k];
    return (v ?? '').slice(0, 200);
  });
}

function readyMatches(ready: readonly ReadyMatcher[], text: string): boolean {
  for (const r of ready) {
    if (typeof r === 'string' ? text.includes(r) : r.test(text.length > 2048 ? text.slice(0, 2048) : text)) return true;
  }
  return false;
}

/**
 * Creates a streaming signature engine for one boot: push console lines as they arrive
 * and get each finding as soon as its evidence is complete. Memory is bounded by the
 * kernel-report window (kb/kernel-crash.json), never by the log's length.
 *
 * @example
 * const engine = createSignatureEngine();
 * const splitter = createLineSplitter({ onLine: (l) => report(engine.push(l)), onPartial: (t, at) => report(engine.partial(t, at)) });
 */
export function createSignatureEngine(opts: EngineOptions & { kb?: Kb } = {}): SignatureEngine {
  const kb = opts.kb ?? defaultKb();
  // Custom ready matchers replace the KB's ready markers.
  const index = opts.ready === undefined ? compiledFor(kb).withReady : compiledFor(kb).withoutReady;
  const customReady = opts.ready;
  const endMarkers = kb.kernel.endMarkers;
  // First characters of the end markers, as a table: one load per line.
  const endFirst = new Uint8Array(65536);
  for (const m of endMarkers) endFirst[m.charCodeAt(0)] = 1;
  const windowLines = kb.kernel.windowLines;
  const linesBefore = kb.kernel.linesBefore;
  // Ring of the last lines, for the report window: oldest-first from beforeAt once full.
  const before: Slot[] = Array.from({ length: linesBefore }, newSlot);
  let beforeLen = 0;
  let beforeAt = 0;
  const oopsRe = oopsHeaderRe();
  const headerRes = new Map(kb.kernel.headers.filter((h) => h.pattern !== undefined).map((h) => [h, new RegExp(h.pattern!)]));
  const fallback: CrashHeader = { ...kb.kernel.fallback, anchor: '' };

  /** The finest header of the KB whose anchor (and pattern, from there) occurs in the line, else the fallback. */
  function classify(text: string): CrashHeader {
    for (const hd of kb.kernel.headers) {
      const i = text.indexOf(hd.anchor);
      if (i === -1) continue;
      if (hd.pattern === undefined || headerRes.get(hd)!.test(text.slice(i, i + 2048))) return hd;
    }
    return fallback;
  }

  let phase: BootPhase = 'firmware';
  let ready = false;
  let failed = false; // a fatal or stopsBoot finding was seen
  let lastNo = 0;
  // The last line with a message: lastSlot when it was skipped, else lastLine.
  let lastLine: ConsoleLine | undefined;
  let lastSlot: Slot | undefined;
  const spareSlot = newSlot(); // lastSlot when the ring has no room (linesBefore 0)
  let pending: Pending | undefined;
  // A stop-code finding waiting for its parameter lines (vmware.log prints one MSR per line).
  let held: { f: Finding; re: RegExp; left: number; params: string[]; code: string } | undefined;
  // Findings of rules with a recovery, held until the boot reaches the recovery's phase
  // (then reported with its lower severity) or shows it will not (reported as they are).
  const awaiting = createRecoveryHold(MAX_PER_RULE);
  let sawPreKernel = false; // a firmware or bootloader marker was seen
  let sawKernelTs = false; // the kernel's lines carry timestamps (printk time)
  let perRule = new Map<string, number>();
  let prompts = new Set<string>();

  const acc: Finding[] = [];
  /** The findings gathered in `acc` as a new array (the shared frozen NO_FINDINGS when none), leaving `acc` empty. */
  function taken(a: Finding[]): Finding[] {
    if (a.length === 0) return NO_FINDINGS as unknown as Finding[];
    const r = a.slice();
    a.length = 0;
    return r;
  }

  function emit(out: Finding[], f: Finding): void {
    if (f.severity !== 'info') {
      const n = perRule.get(f.id) ?? 0;
      if (n >= MAX_PER_RULE) return;
      perRule.set(f.id, n + 1);
    }
    f.title = own(f.title);
    for (const e of f.evidence) e.text = own(e.text);
    if (f.frame !== undefined) f.frame = own(f.frame);
    if (f.severity === 'fatal' || f.stopsBoot) {
      failed = true;
      // This boot will not go on, so nothing held can recover: report those first.
      awaiting.release((x) => emit(out, x));
    }
    out.push(f);
  }

  function setPhase(out: Finding[], to: BootPhase, id: string, ev: { line: number; text: string }, atMs: number, source?: string): void {
    if (RANK[to] < RANK.kernel) sawPreKernel = true;
    if (to === 'firmware' && RANK[phase] > RANK.firmware) {
      // A firmware banner after a later phase: the VM rebooted; judge the new boot afresh.
      flushPending(out);
      awaiting.release((x) => emit(out, x));
      ready = false;
      failed = false;
      perRule = new Map();
      prompts = new Set();
    } else if (RANK[to] <= RANK[phase]) {
      return;
    }
    phase = to;
    if (to === 'ready') ready = true;
    const f: Finding = {
      id: `phase.${to}`, family: 'progress', title: to === 'ready' ? 'boot reached ready' : `boot entered the ${to} phase`,
      component: PHASE_COMPONENT[to], layer: PHASE_LAYER[to], severity: 'info', phase: to, stopsBoot: false,
      evidence: [ev], atMs,
    };
    if (source !== undefined) f.source = `${id}: ${source}`;
    emit(out, f);
    awaiting.settle(to, ev, (x) => emit(out, x));
  }

  function ruleFinding(out: Finding[], hit: Hit<Entry & { tag: 'rule' }>, ev: { line: number; text: string }, atMs: number): void {
    const r = hit.rule;
    if (r.phase !== undefined && RANK[r.phase] > RANK[phase]) setPhase(out, r.phase, r.id, ev, atMs);
    if (r.where !== 'line') {
      if (prompts.has(r.id)) return;
      prompts.add(r.id);
    }
    // A flooding rule past its quota: emit() would drop the finding, so do not build it
    // (a stop code may hold its finding for parameter lines, so those take the long way).
    if (r.stopCode === undefined && r.severity !== 'info' && (perRule.get(r.id) ?? 0) >= MAX_PER_RULE) return;
    const f: Finding = {
      id: r.id, family: r.family, title: '', component: r.component, layer: r.layer, severity: r.severity,
      phase: r.phase ?? phase, stopsBoot: r.stopsBoot, evidence: [ev], atMs, source: r.source,
    };
    let extra: Record<string, string> = {};
    if (r.stopCode !== undefined) {
      const code = hit.groups[r.stopCode.code - 1] ?? '';
      const stop = decodeStopCode(code, (r.stopCode.params ?? []).map((g) => hit.groups[g - 1] ?? '0'));
      if (stop === undefined) extra = { code, name: 'UNKNOWN_BUGCHECK' }; // not a 32-bit code
      if (stop !== undefined) {
        f.stopCode = stop;
        extra = { code: stop.code, name: stop.name };
        const pl = r.stopCode.paramLines;
        if (pl !== undefined) {
          f.title = fill(r.title, hit.groups, extra);
          releaseHeld(out);
          held = { f, re: new RegExp(pl.pattern), left: pl.lines, params: ['', '', '', ''], code };
          return;
        }
      }
    }
    f.title = fill(r.title, hit.groups, extra);
    if (!awaiting.hold(f, r.recovery, phase)) emit(out, f);
  }

  /** Emits the held stop-code finding with the parameters gathered so far. */
  function releaseHeld(out: Finding[]): void {
    const h = held;
    if (h === undefined) return;
    held = undefined;
    if (h.params.some((p) => p !== '')) {
      const stop = decodeStopCode(h.code, h.params.map((p) => (p === '' ? '0' : p)));
      if (stop !== undefined) h.f.stopCode = stop;
    }
    emit(out, h.f);
  }

  /** Feeds a line to the held finding; true when the line was one of its parameters. */
  function feedHeld(out: Finding[], line: ConsoleLine): boolean {
    const h = held!;
    const m = h.re.exec(line.text.length > 2048 ? line.text.slice(0, 2048) : line.text);
    if (m === null) {
      releaseHeld(out);
      return false;
    }
    h.params[Number(m[1]) - 1] = m[2] ?? '';
    h.f.evidence.push({ line: line.no, text: line.raw });
    h.f.atMs = line.atMs;
    if (--h.left === 0) releaseHeld(out);
    return true;
  }

  function flushPending(out: Finding[]): void {
    const p = pending;
    if (p === undefined) return;
    pending = undefined;
    const window = p.window.map(built);
    const t = kernelReport(window);
    if (t === undefined || !isBootCrashTitle(t.title)) return; // the parser's rules say this is not a crash
    let header = p.header;
    let headerLine = p.headerLine;
    if (t.startLine > p.headerLine.no) {
      // Our header was suppressed; the report the parser found starts later in the window.
      const l = window.find((w) => w.no === t.startLine);
      if (l === undefined) return;
      const h = classify(l.text);
      if (h.kind === 'panic') return; // panics are reported as they arrive
      headerLine = l;
      header = h;
    }
    const evidence = [{ line: headerLine.no, text: headerLine.raw }];
    if (p.endLine !== undefined) evidence.push({ line: p.endLine.no, text: p.endLine.raw });
    const last = p.endLine ?? window[window.length - 1] ?? headerLine;
    const f: Finding = {
      id: header.id, family: header.family, title: t.title, component: header.component, layer: header.layer,
      severity: header.severity, phase, stopsBoot: header.stopsBoot, evidence, atMs: last.atMs, source: header.source,
    };
    if (t.corrupted) f.corrupted = true;
    if (t.frame !== undefined) f.frame = t.frame;
    emit(out, f);
  }

  function kernelLine(out: Finding[], line: ConsoleLine, text: string, h: Hit<CrashHeader> | undefined): void {
    const isEnd = endFirst[text.charCodeAt(0)] === 1 && endMarkers.some((m) => text.startsWith(m));
    if (pending !== undefined) {
      pending.window.push(line);
      if (isEnd) {
        pending.endLine = line;
        flushPending(out);
        return;
      }
      if (pending.window.length >= windowLines) flushPending(out);
    }
    if (isEnd) return; // "---[ end Kernel panic - not syncing: … ]---" closes a report, starts none
    // Firmware and bootloaders print their own "WARNING:" lines: before the kernel runs,
    // only a timestamped line can start a kernel report.
    if (line.kernelTs === undefined && RANK[phase] < RANK.kernel && sawPreKernel) return;
    // Headers at the start of the message are found by the pre-filter; syzkaller also finds
    // them anywhere in a line (interleaved CPUs, "** N printk messages dropped **", a glued
    // login prompt), so the parser's header set is checked too.
    const header = h?.rule ?? (index.lastGateHit && oopsRe.test(text) ? classify(text) : undefined);
    if (header === undefined) return;
    // Once the kernel's lines are known to carry timestamps, a line in a firmware's log
    // format without one is the firmware's (ARM Trusted Firmware between kernel lines).
    if (line.kernelTs === undefined && sawKernelTs && isFirmwareLine(text)) return;
    if (header.kind === 'panic') {
      flushPending(out);
      // Reported at once (the guest may hang or reset right after); the parser sees only
      // this line, so its corrupted flag would mean nothing here and is not passed on.
      const t = panicTitle(line);
      emit(out, {
        id: header.id, family: header.family, title: t.title, component: header.component, layer: header.layer,
        severity: header.severity, phase, stopsBoot: header.stopsBoot, evidence: [{ line: line.no, text: line.raw }],
        atMs: line.atMs, source: header.source,
      });
    } else if (pending === undefined) {
      const window: (ConsoleLine | Slot)[] = [];
      const first = beforeLen < linesBefore ? 0 : beforeAt;
      for (let i = 0; i < beforeLen; i++) window.push(lineOf(before[(first + i) % linesBefore]!));
      window.push(line);
      pending = { header, headerLine: line, window };
    }
  }

  /** The ring's slot for the newest line (the spare slot when the ring has no room). */
  function ringNext(): Slot {
    if (linesBefore === 0) return spareSlot;
    const z = before[beforeAt]!;
    beforeAt = beforeAt + 1 === linesBefore ? 0 : beforeAt + 1;
    if (beforeLen < linesBefore) beforeLen++;
    return z;
  }

  // What the splitter may pass over: with the default ready markers and while no stop code
  // waits for its parameters, a line without any literal of finderFor() finds nothing
  // and changes no state but the ring, the last line and an open report window (where
  // it waits as a slot; the line that fills the window goes through push(), which closes
  // it). Before the kernel runs, a line with a kernel timestamp moves the phase, so those
  // go through push() too; with custom ready matchers every line does.
  let finder: LiteralFinder | undefined;
  let finderKey = -1; // which finderFor() `finder` is
  const skipper = {
    all: true,
    timestamped: true,
    version: 0,
    next: (s: string, from: number, bytes?: ByteBlock) => finder!.next(s, from, bytes),
    occursIn: (line: string, bytes?: ByteBlock) => finder!.occursIn(line, bytes),
    skip(s: string, from: number, to: number, no: number, atMs: number): void {
      lastNo = no;
      const z = ringNext();
      z.line = undefined;
      z.src = s;
      z.from = from;
      z.to = to;
      z.no = no;
      z.atMs = atMs;
      lastSlot = z;
      if (pending !== undefined) {
        pending.window.push({ line: undefined, src: s, from, to, no, atMs });
        // The line that fills the window closes it, with its findings: it goes to push().
        if (pending.window.length >= windowLines - 1) skipper.all = true;
      }
    },
  };
  function refreshSkipper(): void {
    skipper.all = customReady !== undefined || held !== undefined || (pending !== undefined && pending.window.length >= windowLines - 1);
    // Timestamped lines go through push() until the first one has (it moves the phase and
    // says the kernel's lines are timestamped).
    skipper.timestamped = RANK[phase] < RANK.kernel || !sawKernelTs;
    if (skipper.all) return;
    const key = RANK[phase] + (pending !== undefined ? BOOT_PHASES.length : 0);
    if (key !== finderKey) {
      finderKey = key;
      finder = finderFor(kb, phase, pending !== undefined);
      skipper.version++;
    }
  }

  return {
    skipper,
    push(line) {
      const r = pushLine(line);
      refreshSkipper();
      return r;
    },
    partial(text, atMs) {
      const r = partialLine(text, atMs);
      refreshSkipper();
      return r;
    },
    end(reached) {
      const r = endLog(reached);
      refreshSkipper();
      return r;
    },
  };

  function pushLine(line: ConsoleLine): Finding[] {
    lastNo = line.no;
    const text = line.text;
    if (text.length === 0) return NO_FINDINGS as unknown as Finding[];
    lastLine = line;
    lastSlot = undefined;
    // Findings gather in a reused array; most lines have none and allocate nothing here.
    const out = acc;
    if (held !== undefined && feedHeld(out, line)) return taken(out);
    // A line that starts with a glued login prompt has no timestamp of its own.
    const body = messageBody(text, line.kernelTs === undefined);
    // Userspace output forwarded to the kernel log carries an ident ("systemd-fsck[9]: ").
    const hits = index.match(text, body, line.kernelTs !== undefined && body === text);
    let ruleHit: Hit<Entry & { tag: 'rule' }> | undefined;
    let headerHit: Hit<CrashHeader> | undefined;
    let ev: { line: number; text: string } | undefined;
    for (let i = 0; i < hits.length; i++) {
      const h = hits[i]!;
      const e = h.rule;
      if (e.tag === 'marker') setPhase(out, e.marks, e.id, (ev ??= { line: line.no, text: line.raw }), line.atMs, e.source);
      else if (e.tag === 'rule') ruleHit ??= { rule: e, order: h.order, groups: h.groups };
      else headerHit ??= { rule: e, order: h.order, groups: h.groups };
    }
    if (line.kernelTs !== undefined) sawKernelTs = true;
    // A kernel timestamp means the kernel is running, even if its banner was missed.
    if (line.kernelTs !== undefined && RANK[phase] < RANK.kernel) setPhase(out, 'kernel', 'kernel.timestamp', (ev ??= { line: line.no, text: line.raw }), line.atMs);
    if (customReady !== undefined && !ready && readyMatches(customReady, text)) setPhase(out, 'ready', 'ready.custom', (ev ??= { line: line.no, text: line.raw }), line.atMs);
    if (ruleHit !== undefined) ruleFinding(out, ruleHit, (ev ??= { line: line.no, text: line.raw }), line.atMs);
    kernelLine(out, line, text, headerHit);
    if (linesBefore > 0) ringNext().line = line;
    return taken(out);
  }

  function partialLine(text: string, atMs: number): Finding[] {
    const out: Finding[] = [];
    const ev = { line: lastNo + 1, text };
    let ruleHit: Hit<Entry & { tag: 'rule' }> | undefined;
    for (const h of index.matchPartial(text)) {
      const e = h.rule;
      if (e.tag === 'marker' && e.marks === 'ready') setPhase(out, 'ready', e.id, ev, atMs, e.source);
      else if (e.tag === 'rule') ruleHit ??= { rule: e, order: h.order, groups: h.groups };
    }
    if (customReady !== undefined && !ready && readyMatches(customReady, text)) setPhase(out, 'ready', 'ready.custom', ev, atMs);
    if (ruleHit !== undefined) ruleFinding(out, ruleHit, ev, atMs);
    return out;
  }

  function endLog(reached: BootPhase | undefined): Finding[] {
    const out: Finding[] = [];
    releaseHeld(out);
    flushPending(out);
    if (reached !== undefined && RANK[reached] > RANK[phase]) {
      awaiting.settle(reached, undefined, (x) => emit(out, x));
      if (reached === 'ready') ready = true;
    }
    awaiting.release((x) => emit(out, x));
    if (!failed && !ready) {
      const last = lastSlot === undefined ? lastLine : lineOf(lastSlot);
      const shown = last === undefined ? 'no console output' : `last line: ${last.raw.trim().slice(0, 200)}`;
      emit(out, {
        id: 'incomplete-boot', family: 'incomplete-boot', title: `boot stopped during ${phase}; ${shown}`,
        component: PHASE_COMPONENT[phase], layer: PHASE_LAYER[phase], severity: 'error', phase, stopsBoot: true,
        evidence: last === undefined ? [] : [{ line: last.no, text: last.raw }],
        ...(last === undefined ? {} : { atMs: last.atMs }),
      });
    }
    return out;
  }
}
