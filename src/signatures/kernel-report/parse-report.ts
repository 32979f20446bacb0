// The Linux crash-report parser: finds the first oops line, gathers the lines of the same
// printk context into the report, forms the title and decides whether it is corrupted.
// The method follows syzkaller's Linux reporter (pkg/report/linux.go, Apache-2.0,
// syzkaller project authors); the formats themselves are data in linux-oopses.yaml.
import type { ConsoleLine } from '../../console/index.ts';
import { describeReport, type Description } from './describe.ts';
import { normalizeTitle } from './normalize-title.ts';
import { CONSOLE_CONTEXT, NO_CONTEXT, lineContext, toReportLines, type ReportLine } from './report-lines.ts';
import { linuxRules, type CompiledFormat, type CompiledOops, type CompiledRules } from './rules.ts';

/** Options of the parser. */
export type KernelReportOptions = {
  /**
   * What the caller knows about the boot phase at the first line: true when the kernel is
   * already running (the firmware gate is off: every line may start a report), false when
   * the lines are firmware/bootloader output up to the first timestamped line (the gate
   * applies even if no timestamped line follows). Default: decided from the lines.
   */
  kernelStarted?: boolean;
  /** Only reports starting at or after this line number (ConsoleLine.no); earlier lines still give context. */
  fromLine?: number;
  /** Leave out the families of user-space programs (Go panics, syzkaller's SYZFAIL/SYZFATAL). */
  kernelOnly?: boolean;
};

/** A kernel crash report found in console output. */
export type KernelReport = {
  title: string; corrupted: boolean; frame?: string; type?: string;
  startLine: number; endLine: number; alt?: string[];
  /** Why the report counts as corrupted (absent when it does not). */
  corruptedReason?: string;
};

function includesAny(line: string, needles: readonly string[]): boolean {
  for (const n of needles) if (line.includes(n)) return true;
  return false;
}

function matchesAny(line: string, res: readonly RegExp[]): boolean {
  for (const re of res) if (re.test(line)) return true;
  return false;
}

/**
 * The oops family whose header this raw line carries, unless suppressed. `preKernel` marks a
 * line printed before the kernel's first timestamped line (firmware or bootloader output):
 * only families marked allowBeforeKernel count there.
 */
export function matchOops(raw: string, rules: CompiledRules, preKernel = false, kernelOnly = false): CompiledOops | undefined {
  for (const oops of rules.oopses) {
    if (preKernel && !oops.allowBeforeKernel) continue;
    if (kernelOnly && oops.userspace) continue;
    if (!raw.includes(oops.header)) continue;
    if (matchesAny(raw, oops.suppressions)) continue;
    if (oops.forms.length > 0 && !hasForm(raw, oops, rules.limits.titleCandidates)) continue;
    return oops;
  }
  return undefined;
}

/** True when the header begins one of the family's accepted forms somewhere in the line (at most `max` places tried). */
function hasForm(raw: string, oops: CompiledOops, max: number): boolean {
  let n = 0;
  for (let at = raw.indexOf(oops.header); at !== -1 && n < max; at = raw.indexOf(oops.header, at + 1), n++) {
    for (const re of oops.forms) {
      re.lastIndex = at;
      if (re.test(raw)) return true;
    }
  }
  return false;
}

/**
 * True when a line (without a kernel timestamp) is a firmware's: in a firmware's log format
 * (rules.firmwareLines) and not one of the kernel's report forms for the header it holds
 * (ARM Trusted Firmware's "WARNING: " is the kernel's header too; the kernel's WARNINGs
 * match a WARNING title format, the firmware's free text does not).
 */
export function isFirmwareLine(raw: string, rules: CompiledRules = linuxRules()): boolean {
  if (!matchesAny(raw, rules.firmwareLines)) return false;
  const oops = matchOops(raw, rules);
  if (oops === undefined) return true;
  const at = raw.indexOf(oops.header);
  for (const f of oops.formats) {
    f.title.lastIndex = at;
    if (f.title.test(raw)) return false;
  }
  return true;
}

type Gathered = { text: string; fullText: string; endIdx: number; lastOopsIdx: number };

function minLines(oopsLine: string, rules: CompiledRules): number {
  for (const b of rules.reportMinLines.byHeader) if (oopsLine.includes(b.contains)) return b.lines;
  return rules.reportMinLines.default;
}

// Collects the report: lines of the oops's context (all CPUs' lines once an NMI backtrace
// of all CPUs starts), minus questionable frames; a later oops ends it unless the context
// is a task tag (then interleaving is resolved by the tag itself).
function gatherReport(lines: readonly ReportLine[], start: number, kernelFrom: number, kernelOnly: boolean, rules: CompiledRules): Gathered {
  const first = lines[start]!;
  const context = first.context;
  const parts: string[] = [];
  let reportEndParts = 0;
  let secondReport = false;
  let textLines = 0;
  let skipText = false;
  let cpuTraceback = false;
  let lastOopsIdx = start;
  let lastIncluded = start;
  const min = minLines(first.raw, rules);
  const end = Math.min(lines.length, start + 1 + rules.limits.reportLines);
  for (let i = start; i < end; i++) {
    const l = lines[i]!;
    const isOopsLine = i === start;
    if (rules.hasHeader(l.raw) && matchOops(l.raw, rules, l.context === NO_CONTEXT && i < kernelFrom, kernelOnly) !== undefined) {
      lastOopsIdx = i;
      if (!isOopsLine && !secondReport && !matchesAny(l.raw, rules.reportStartIgnores)) secondReport = true;
    } else if (!isOopsLine && !secondReport) {
      for (const p of rules.infoMessagesWithStack) if (l.raw.includes(p)) { secondReport = true; break; }
    }
    if (!isOopsLine && (l.questionable || (l.context !== context && (!cpuTraceback || !rules.cpuContext.test(`[${l.context}]`))))) continue;
    textLines++;
    let skipLine = skipText;
    const rt = rules.reportText;
    if (includesAny(l.raw, rt.dropLines)) {
      skipLine = true;
    } else if (includesAny(l.raw, rt.allCpusFrom)) {
      cpuTraceback = true;
    } else if (textLines > min && includesAny(l.raw, rt.cutAt)) {
      // With panic_on_warn the panic repeats the stack of the report: cut it off.
      skipText = true;
      skipLine = true;
    }
    if (!isOopsLine && skipLine) continue;
    parts.push(l.stripped);
    lastIncluded = i;
    if (!secondReport || (context !== NO_CONTEXT && context !== CONSOLE_CONTEXT)) reportEndParts = parts.length;
  }
  const join = (xs: string[]): string => (xs.length === 0 ? '' : xs.join('\n') + '\n');
  return { text: join(parts.slice(0, reportEndParts)), fullText: join(parts), endIdx: Math.max(lastIncluded, start), lastOopsIdx };
}

// A report is corrupted when its title shows glued lines, or when it should have a stack
// trace and has none, or a trace header is not followed by a frame within 15 lines.
function corruptedReason(title: string, report: string, format: CompiledFormat | undefined, rules: CompiledRules): string {
  if (matchesAny(title, rules.corruptedTitles)) return 'title matches corrupted regexp';
  if (format === undefined || format.noStackTrace) return '';
  let hasStack = false;
  for (const key of rules.stackStarts) {
    const m = key.exec(report);
    if (m === null) continue;
    const frames = report.slice(m.index).split('\n');
    if (frames.length < 4) return 'call trace is missed';
    let corrupted = true;
    outer: for (let i = 1; i < 16 && i < frames.length; i++) {
      const fl = frames[i]!;
      for (const k of rules.stackStarts) if (k.test(fl)) break outer;
      if (fl.includes(rules.reportText.stackNotAvailable) || matchesAny(fl, rules.frameRes)) {
        hasStack = true;
        corrupted = false;
        break;
      }
    }
    if (corrupted && !rules.lenientStackStarts.has(key)) return 'no frames in a stack trace';
  }
  return hasStack ? '' : 'no stack trace in report';
}

const FRAME_IN_TITLE = /.* in ((?:<[a-zA-Z0-9_: ]+>)?[a-zA-Z0-9_:]+)/;

function titleType(title: string, rules: CompiledRules): string | undefined {
  for (const t of rules.titleTypes) if (title.startsWith(t.prefix)) return t.type === '' ? undefined : t.type;
  return undefined;
}

// Untimestamped lines before the kernel's first timestamped line are firmware or bootloader
// output when the kernel prints timestamps (U-Boot's "WARNING: Caches not enabled",
// coreboot's "WARNING: RO_VPD is uninitialized"): they are not kernel oopses.
type LineLike = { readonly raw: string };

class KernelStart {
  private found: number | undefined; // undefined until looked up
  private readonly lines: readonly LineLike[];
  private readonly rules: CompiledRules;
  private readonly kernelStarted: boolean | undefined;
  constructor(lines: readonly LineLike[], rules: CompiledRules, kernelStarted: boolean | undefined) {
    this.lines = lines;
    this.rules = rules;
    this.kernelStarted = kernelStarted;
  }
  /**
   * Index of the first timestamped line; found lazily once, the scan stops there. With no
   * such line: -1 (no gate), or the line count when the caller said the kernel has not started.
   */
  index(): number {
    if (this.found === undefined) {
      this.found = this.kernelStarted === false ? this.lines.length : -1;
      if (this.kernelStarted !== true) {
        for (let i = 0; i < this.lines.length; i++) {
          if (lineContext(this.lines[i]!.raw, this.rules) !== NO_CONTEXT) { this.found = i; break; }
        }
      }
    }
    return this.found;
  }
  /** True when line i is an untimestamped firmware line (isFirmwareLine) in a log whose kernel lines carry timestamps. */
  firmware(i: number): boolean {
    const raw = this.lines[i]!.raw;
    return isFirmwareLine(raw, this.rules) && this.index() >= 0 && lineContext(raw, this.rules) === NO_CONTEXT;
  }
  /** True when line i is untimestamped firmware output before the kernel started. */
  preKernel(i: number): boolean {
    const k = this.index();
    return i < k && lineContext(this.lines[i]!.raw, this.rules) === NO_CONTEXT;
  }
}

// First line with an oops header, with the header test done once per line on a combined
// literal search before the per-family checks.
function findFirstOops(lines: readonly (LineLike & { readonly no: number })[], ks: KernelStart, rules: CompiledRules, opts: KernelReportOptions): { start: number; oops: CompiledOops } | undefined {
  const max = rules.limits.lineChars;
  const kernelOnly = opts.kernelOnly === true;
  for (let i = 0; i < lines.length; i++) {
    if (opts.fromLine !== undefined && lines[i]!.no < opts.fromLine) continue;
    const full = lines[i]!.raw;
    const raw = full.length > max ? full.slice(0, max) : full;
    if (!rules.hasHeader(raw)) continue;
    const any = matchOops(raw, rules, false, kernelOnly);
    if (any === undefined) continue;
    // Only a candidate line pays for the firmware check (usually a scan of a few lines).
    const oops = any.allowBeforeKernel || !ks.preKernel(i) ? any : matchOops(raw, rules, true, kernelOnly);
    if (oops !== undefined && !ks.firmware(i)) return { start: i, oops };
  }
  return undefined;
}

/** Finds the FIRST kernel crash report in console lines, as syzkaller's Linux reporter does. */
export function parseKernelReport(input: readonly ConsoleLine[], opts: KernelReportOptions = {}): KernelReport | undefined {
  const rules = linuxRules();
  const ks = new KernelStart(input, rules, opts.kernelStarted);
  const found = findFirstOops(input, ks, rules, opts);
  if (found === undefined) return undefined;
  const { start, oops } = found;
  // Only the report's own window is prepared: its first line and the bounded tail after it.
  const lines = toReportLines(input.slice(start, start + 1 + rules.limits.reportLines), rules);
  const k = ks.index();
  const g = gatherReport(lines, 0, k < 0 ? -1 : k - start, opts.kernelOnly === true, rules);
  let report = g.fullText;
  let d: Description = describeReport(g.text, oops, rules);
  if (d.title === '') {
    // Nothing matched inside the context-filtered text: fall back to the raw lines.
    report = lines.slice(0, g.lastOopsIdx + 1).map((l) => l.raw).join('\n');
    d = describeReport(report, oops, rules);
  }
  let reason = d.corrupted;
  if (reason === '') reason = corruptedReason(d.title, report, d.format, rules);
  if (reason === '') {
    for (const h of rules.consoleHangups) {
      if (input.some((l) => l.raw.includes(h))) { reason = 'console connection was lost'; break; }
    }
  }
  const title = normalizeTitle(d.title, rules);
  const out: KernelReport = {
    title,
    corrupted: reason !== '',
    startLine: lines[0]!.no,
    endLine: lines[g.endIdx]!.no,
  };
  if (reason !== '') out.corruptedReason = reason;
  const fm = FRAME_IN_TITLE.exec(title);
  if (fm !== null && fm[1] !== undefined) out.frame = fm[1];
  const alt = [...new Set(d.alt.map((a) => normalizeTitle(a, rules)))].filter((a) => a !== title);
  if (alt.length > 0) out.alt = alt;
  const type = titleType(title, rules);
  if (type !== undefined) out.type = type;
  return out;
}

/** True when any line carries a kernel oops header that is not suppressed. */
export function containsKernelCrash(lines: readonly ConsoleLine[], opts: KernelReportOptions = {}): boolean {
  const rules = linuxRules();
  return findFirstOops(lines, new KernelStart(lines, rules, opts.kernelStarted), rules, opts) !== undefined;
}
