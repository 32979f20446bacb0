// The kernel-report window of one boot: the ring of the last lines before a report
// header, the window opened at the header, and its titling by the kernel-report parser
// when an end marker or the window's size closes it. Lines the splitter passed over wait
// in the ring and the window as slots, built only if the window is titled.
import type { ConsoleLine } from '../console/index.ts';
import type { Hit } from './anchor-index.ts';
import { lineOf, newSlot } from './boot-state.ts';
import type { BootState, Emit, Slot } from './boot-state.ts';
import { RANK } from './compiled-kb.ts';
import type { Index } from './compiled-kb.ts';
import type { CrashHeader, Kb } from './kb.ts';
import { isBootCrashTitle, isFirmwareLine, kernelReport, oopsHeaderRe, panicTitle } from './kernel-title.ts';
import type { Finding } from './types.ts';

type Pending = { header: CrashHeader; headerLine: ConsoleLine; window: (ConsoleLine | Slot)[]; endLine?: ConsoleLine };

const isSlot = (x: ConsoleLine | Slot): x is Slot => 'src' in x;
const built = (x: ConsoleLine | Slot): ConsoleLine => (isSlot(x) ? lineOf(x) : x);

export type ReportWindow = ReturnType<typeof createReportWindow>;

/** The report window of one boot on `kb`; reads the boot's state, reports through `emit`. */
export function createReportWindow(kb: Kb, index: Index, st: Readonly<BootState>, emit: Emit) {
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
  const spareSlot = newSlot(); // the newest slot when the ring has no room (linesBefore 0)
  const oopsRe = oopsHeaderRe();
  const headerRes = new Map(kb.kernel.headers.filter((h) => h.pattern !== undefined).map((h) => [h, new RegExp(h.pattern!)]));
  const fallback: CrashHeader = { ...kb.kernel.fallback, anchor: '' };
  let pending: Pending | undefined;

  /** The finest header of the KB whose anchor (and pattern, from there) occurs in the line, else the fallback. */
  function classify(text: string): CrashHeader {
    for (const hd of kb.kernel.headers) {
      const i = text.indexOf(hd.anchor);
      if (i === -1) continue;
      if (hd.pattern === undefined || headerRes.get(hd)!.test(text.slice(i, i + 2048))) return hd;
    }
    return fallback;
  }

  /** The ring's slot for the newest line (the spare slot when the ring has no room). */
  function ringNext(): Slot {
    if (linesBefore === 0) return spareSlot;
    const z = before[beforeAt]!;
    beforeAt = beforeAt + 1 === linesBefore ? 0 : beforeAt + 1;
    if (beforeLen < linesBefore) beforeLen++;
    return z;
  }

  /** Titles and reports the open window, if any, and closes it. */
  function flush(out: Finding[]): void {
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
      severity: header.severity, phase: st.phase, stopsBoot: header.stopsBoot, evidence, atMs: last.atMs, source: header.source,
    };
    if (t.corrupted) f.corrupted = true;
    if (t.frame !== undefined) f.frame = t.frame;
    emit(out, f);
  }

  return {
    flush,
    /** A window is open. */
    get isOpen(): boolean {
      return pending !== undefined;
    },
    /** The next line fills the open window (and so closes it, with its findings). */
    get nearlyFull(): boolean {
      return pending !== undefined && pending.window.length >= windowLines - 1;
    },
    /** Remembers a line that went through the engine (after line()). */
    remember(line: ConsoleLine): void {
      if (linesBefore > 0) ringNext().line = line;
    },
    /** Remembers a line the splitter passed over, as offsets into its block; returns its slot. */
    skipped(s: string, from: number, to: number, no: number, atMs: number): Slot {
      const z = ringNext();
      z.line = undefined;
      z.src = s;
      z.from = from;
      z.to = to;
      z.no = no;
      z.atMs = atMs;
      if (pending !== undefined) pending.window.push({ line: undefined, src: s, from, to, no, atMs });
      return z;
    },
    /** Feeds a line with a message to the window: it may close one, open one, or report a panic. `h`: the pre-filter's header hit. */
    line(out: Finding[], line: ConsoleLine, text: string, h: Hit<CrashHeader> | undefined): void {
      const isEnd = endFirst[text.charCodeAt(0)] === 1 && endMarkers.some((m) => text.startsWith(m));
      if (pending !== undefined) {
        pending.window.push(line);
        if (isEnd) {
          pending.endLine = line;
          flush(out);
          return;
        }
        if (pending.window.length >= windowLines) flush(out);
      }
      if (isEnd) return; // "---[ end Kernel panic - not syncing: … ]---" closes a report, starts none
      // Firmware and bootloaders print their own "WARNING:" lines: before the kernel runs,
      // only a timestamped line can start a kernel report.
      if (line.kernelTs === undefined && RANK[st.phase] < RANK.kernel && st.sawPreKernel) return;
      // Headers at the start of the message are found by the pre-filter; syzkaller also finds
      // them anywhere in a line (interleaved CPUs, "** N printk messages dropped **", a glued
      // login prompt), so the parser's header set is checked too.
      const header = h?.rule ?? (index.lastGateHit && oopsRe.test(text) ? classify(text) : undefined);
      if (header === undefined) return;
      // Once the kernel's lines are known to carry timestamps, a line in a firmware's log
      // format without one is the firmware's (ARM Trusted Firmware between kernel lines).
      if (line.kernelTs === undefined && st.sawKernelTs && isFirmwareLine(text)) return;
      if (header.kind === 'panic') {
        flush(out);
        // Reported at once (the guest may hang or reset right after); the parser sees only
        // this line, so its corrupted flag would mean nothing here and is not passed on.
        const t = panicTitle(line);
        emit(out, {
          id: header.id, family: header.family, title: t.title, component: header.component, layer: header.layer,
          severity: header.severity, phase: st.phase, stopsBoot: header.stopsBoot, evidence: [{ line: line.no, text: line.raw }],
          atMs: line.atMs, source: header.source,
        });
      } else if (pending === undefined) {
        const window: (ConsoleLine | Slot)[] = [];
        const first = beforeLen < linesBefore ? 0 : beforeAt;
        for (let i = 0; i < beforeLen; i++) window.push(lineOf(before[(first + i) % linesBefore]!));
        window.push(line);
        pending = { header, headerLine: line, window };
      }
    },
  };
}
