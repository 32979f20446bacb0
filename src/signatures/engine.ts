import type { ConsoleLine, LineSkipper } from '../console/index.ts';
import type { Hit } from './anchor-index.ts';
import { lineOf, newBootState } from './boot-state.ts';
import { compiledKb, RANK } from './compiled-kb.ts';
import type { Entry } from './compiled-kb.ts';
import { defaultKb } from './kb.ts';
import type { CrashHeader, Kb } from './kb.ts';
import { messageBody } from './message-body.ts';
import { createRecoveryHold } from './recovery-hold.ts';
import { createReportWindow } from './report-window.ts';
import { createSkipPath } from './skip-path.ts';
import { createStopCodeHold } from './stop-code-hold.ts';
import { ruleFindingOf } from './rule-finding.ts';
import type { BootPhase, EngineOptions, Finding, ReadyMatcher } from './types.ts';

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

// A rule that floods (a login loop, a repeated I/O error) is reported this many times per boot.
const MAX_PER_RULE = 5;
// push() on a line without findings (nearly all of them) returns this one frozen array.
const NO_FINDINGS: readonly never[] = Object.freeze([]);

/**
 * A copy of `s` that holds only its own characters. A line is a slice of the splitter's
 * decoded block (up to 64 KiB), and V8 keeps the whole block alive for as long as a slice
 * of it lives: a finding kept by its caller would otherwise pin a block per finding.
 * (Concatenating makes a new string; slicing it flattens that into a copy.)
 */
const own = (s: string): string => (s.length < 13 ? s : (` ${s}`).slice(1));

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
  const compiled = compiledKb(kb);
  // Custom ready matchers replace the KB's ready markers.
  const customReady = opts.ready;
  const index = compiled.index(customReady === undefined);
  const st = newBootState();
  // Findings of rules with a recovery, held until the boot reaches the recovery's phase
  // (then reported with its lower severity) or shows it will not (reported as they are).
  const awaiting = createRecoveryHold(MAX_PER_RULE);
  const stop = createStopCodeHold(emit);
  const window = createReportWindow(kb, index, st, emit);
  const fast = createSkipPath(compiled, st, window, stop, customReady !== undefined);

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
      const n = st.perRule.get(f.id) ?? 0;
      if (n >= MAX_PER_RULE) return;
      st.perRule.set(f.id, n + 1);
    }
    f.title = own(f.title);
    for (const e of f.evidence) e.text = own(e.text);
    if (f.frame !== undefined) f.frame = own(f.frame);
    if (f.severity === 'fatal' || f.stopsBoot) {
      st.failed = true;
      // This boot will not go on, so nothing held can recover: report those first.
      awaiting.release((x) => emit(out, x));
    }
    out.push(f);
  }

  function setPhase(out: Finding[], to: BootPhase, id: string, ev: { line: number; text: string }, atMs: number, source?: string): void {
    if (RANK[to] < RANK.kernel) st.sawPreKernel = true;
    if (to === 'firmware' && RANK[st.phase] > RANK.firmware) {
      // A firmware banner after a later phase: the VM rebooted; judge the new boot afresh.
      window.flush(out);
      awaiting.release((x) => emit(out, x));
      st.ready = false;
      st.failed = false;
      st.perRule = new Map();
      st.prompts = new Set();
    } else if (RANK[to] <= RANK[st.phase]) {
      return;
    }
    st.phase = to;
    if (to === 'ready') st.ready = true;
    const f: Finding = {
      id: `phase.${to}`, family: 'progress', title: to === 'ready' ? 'boot reached ready' : `boot entered the ${to} phase`,
      component: kb.phases[to].component, layer: kb.phases[to].layer, severity: 'info', phase: to, stopsBoot: false,
      evidence: [ev], atMs,
    };
    if (source !== undefined) f.source = `${id}: ${source}`;
    emit(out, f);
    awaiting.settle(to, ev, (x) => emit(out, x));
  }

  function ruleFinding(out: Finding[], hit: Hit<Entry & { tag: 'rule' }>, ev: { line: number; text: string }, atMs: number): void {
    const r = hit.rule;
    if (r.phase !== undefined && RANK[r.phase] > RANK[st.phase]) setPhase(out, r.phase, r.id, ev, atMs);
    if (r.where !== 'line') {
      if (st.prompts.has(r.id)) return;
      st.prompts.add(r.id);
    }
    // A flooding rule past its quota: emit() would drop the finding, so do not build it
    // (a stop code may hold its finding for parameter lines, so those take the long way).
    if (r.stopCode === undefined && r.severity !== 'info' && (st.perRule.get(r.id) ?? 0) >= MAX_PER_RULE) return;
    const { f, paramLines } = ruleFindingOf(hit, ev, atMs, st.phase);
    if (paramLines !== undefined) {
      stop.hold(out, f, paramLines.pattern, paramLines.lines, paramLines.code);
      return;
    }
    if (!awaiting.hold(f, r.recovery, st.phase)) emit(out, f);
  }

  function pushLine(line: ConsoleLine): Finding[] {
    st.lastNo = line.no;
    const text = line.text;
    if (text.length === 0) return NO_FINDINGS as unknown as Finding[];
    st.lastLine = line;
    st.lastSlot = undefined;
    // Findings gather in a reused array; most lines have none and allocate nothing here.
    const out = acc;
    if (stop.waiting && stop.feed(out, line)) return taken(out);
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
    if (line.kernelTs !== undefined) st.sawKernelTs = true;
    // A kernel timestamp means the kernel is running, even if its banner was missed.
    if (line.kernelTs !== undefined && RANK[st.phase] < RANK.kernel) setPhase(out, 'kernel', 'kernel.timestamp', (ev ??= { line: line.no, text: line.raw }), line.atMs);
    if (customReady !== undefined && !st.ready && readyMatches(customReady, text)) setPhase(out, 'ready', 'ready.custom', (ev ??= { line: line.no, text: line.raw }), line.atMs);
    if (ruleHit !== undefined) ruleFinding(out, ruleHit, (ev ??= { line: line.no, text: line.raw }), line.atMs);
    window.line(out, line, text, headerHit);
    window.remember(line);
    return taken(out);
  }

  function partialLine(text: string, atMs: number): Finding[] {
    const out: Finding[] = [];
    const ev = { line: st.lastNo + 1, text };
    let ruleHit: Hit<Entry & { tag: 'rule' }> | undefined;
    for (const h of index.matchPartial(text)) {
      const e = h.rule;
      if (e.tag === 'marker' && e.marks === 'ready') setPhase(out, 'ready', e.id, ev, atMs, e.source);
      else if (e.tag === 'rule') ruleHit ??= { rule: e, order: h.order, groups: h.groups };
    }
    if (customReady !== undefined && !st.ready && readyMatches(customReady, text)) setPhase(out, 'ready', 'ready.custom', ev, atMs);
    if (ruleHit !== undefined) ruleFinding(out, ruleHit, ev, atMs);
    return out;
  }

  function endLog(reached: BootPhase | undefined): Finding[] {
    const out: Finding[] = [];
    stop.release(out);
    window.flush(out);
    if (reached !== undefined && RANK[reached] > RANK[st.phase]) {
      awaiting.settle(reached, undefined, (x) => emit(out, x));
      if (reached === 'ready') st.ready = true;
    }
    awaiting.release((x) => emit(out, x));
    if (!st.failed && !st.ready) {
      const last = st.lastSlot === undefined ? st.lastLine : lineOf(st.lastSlot);
      const shown = last === undefined ? 'no console output' : `last line: ${last.raw.trim().slice(0, 200)}`;
      const phase = st.phase;
      emit(out, {
        id: 'incomplete-boot', family: 'incomplete-boot', title: `boot stopped during ${phase}; ${shown}`,
        component: kb.phases[phase].component, layer: kb.phases[phase].layer, severity: 'error', phase, stopsBoot: true,
        evidence: last === undefined ? [] : [{ line: last.no, text: last.raw }],
        ...(last === undefined ? {} : { atMs: last.atMs }),
      });
    }
    return out;
  }

  return {
    skipper: fast.skipper,
    push(line) {
      const r = pushLine(line);
      fast.refresh();
      return r;
    },
    partial(text, atMs) {
      const r = partialLine(text, atMs);
      fast.refresh();
      return r;
    },
    end(reached) {
      const r = endLog(reached);
      fast.refresh();
      return r;
    },
  };
}
