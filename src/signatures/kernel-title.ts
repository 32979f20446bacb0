// The one internal seam to the kernel crash-report parser (src/signatures/kernel-report/,
// syzkaller's title rules as data). The engine hands it a bounded window of lines around
// a report header; when the parser finds no report there (a header the parser's
// suppressions skip, or a window cut short), a simple title from the header line is used.
import type { ConsoleLine } from '../console/index.ts';
import { linuxRules, parseKernelReport } from './kernel-report/index.ts';
export { isFirmwareLine } from './kernel-report/index.ts';
import { literalAlternation } from './anchor-index.ts';

/** Title, corrupted flag and guilty frame of one kernel crash report. */
export type KernelTitle = { title: string; corrupted: boolean; frame?: string };
/** A titled report and the line number where the parser found it starting. */
export type TitledReport = KernelTitle & { startLine: number };

// "WARNING: CPU: 0 PID: 1 at drivers/foo.c:12 probe+0x1a/0x40 [mod]" → "WARNING in probe"
const WARNING_AT = /^WARNING: CPU: \d{1,5} PID: \d{1,10} at \S{1,200} ([A-Za-z0-9_.]{1,128})\+0x/;
// "general protection fault, probably for non-canonical address 0x...: 0000 [#1] SMP"
const GPF = /^general protection fault\b/;
const RIP = /^RIP: 00\d\d:([A-Za-z0-9_.]{1,128})\+0x/;

/** Replaces addresses and numbers the way crash titles do, so that titles compare. */
export function normalizeTitle(s: string): string {
  return s
    .replace(/\+0x[0-9a-f]{1,16}\/0x[0-9a-f]{1,16}/g, '')
    .replace(/\b0x[0-9a-fA-F]{1,16}\b/g, 'ADDR')
    .replace(/\b[0-9a-f]{12,16}\b/g, 'ADDR')
    .replace(/\b\d{1,20}\b/g, 'NUM')
    .replace(/\s{2,20}/g, ' ')
    .trim()
    .slice(0, 200);
}

/**
 * Titles the first kernel crash report inside `window` (a bounded slice of console lines
 * around a header), or undefined when the parser's rules say there is none (a header
 * that syzkaller suppresses, such as a firmware "WARNING:" banner).
 */
export function kernelReport(window: readonly ConsoleLine[]): TitledReport | undefined {
  const r = parseKernelReport(window);
  if (r === undefined) return undefined;
  const t: TitledReport = { title: r.title, corrupted: r.corrupted, startLine: r.startLine };
  if (r.frame !== undefined) t.frame = r.frame;
  return t;
}

/** Titles one panic line: the parser's title, else one formed from the line itself. */
export function panicTitle(line: ConsoleLine): KernelTitle {
  const r = kernelReport([line]);
  return r === undefined ? simpleKernelTitle([line], line) : { title: r.title, corrupted: r.corrupted, ...(r.frame === undefined ? {} : { frame: r.frame }) };
}

/** A title from the header line alone: the fallback when the parser finds no report. */
export function simpleKernelTitle(window: readonly ConsoleLine[], header: ConsoleLine): KernelTitle {
  const text = header.text.trim();
  const w = WARNING_AT.exec(text);
  if (w !== null) return { title: `WARNING in ${w[1]}`, corrupted: false, frame: w[1]! };
  if (text.startsWith('Kernel panic - not syncing: ')) return { title: normalizeTitle(text), corrupted: false };
  let frame: string | undefined;
  for (const l of window) {
    if (l.no <= header.no) continue;
    const m = RIP.exec(l.text.trim());
    if (m !== null) {
      frame = m[1]!;
      break;
    }
  }
  const base = GPF.test(text) ? 'general protection fault' : normalizeTitle(text.replace(/: 0000 \[#\d{1,4}\].{0,100}$/, ''));
  return frame === undefined ? { title: base, corrupted: false } : { title: `${base} in ${frame}`, corrupted: false, frame };
}

// syzkaller's title for "Booting the kernel." (a reboot during fuzzing); in a boot log
// that line is the normal arm64 start, never a crash.
const NOT_A_BOOT_CRASH = new Set(['unexpected kernel reboot']);

/** True when a parser title is meaningful in a boot log. */
export function isBootCrashTitle(title: string): boolean {
  return !NOT_A_BOOT_CRASH.has(title);
}

/** The kernel-report parser's oops headers that can start a kernel crash in a boot log. */
export function oopsHeaders(): string[] {
  return linuxRules().oopses.filter((o) => !o.userspace && !o.allowBeforeKernel).map((o) => o.header);
}

let oopsRe: RegExp | undefined;
/**
 * One regex for the kernel-report parser's own oops headers (anywhere in a line, as
 * syzkaller matches them), without syzkaller's userspace headers and without the boot
 * banner "Booting the kernel.".
 */
export function oopsHeaderRe(): RegExp {
  oopsRe ??= literalAlternation(oopsHeaders());
  return oopsRe;
}
