// Console lines as the crash-report parser sees them: the raw line (prefixes kept), its
// printk context (the caller tag, or "console" for a bare timestamp, or "" for none),
// the text with the prefix cut, and whether it is a questionable stack frame.
import type { ConsoleLine } from '../../console/index.ts';
import type { CompiledRules } from './rules.ts';

/** One console line prepared for report extraction. */
export type ReportLine = { no: number; raw: string; context: string; stripped: string; questionable: boolean };

/** No context: the line carries no kernel timestamp. */
export const NO_CONTEXT = '';
/** A kernel timestamp without a CONFIG_PRINTK_CALLER tag. */
export const CONSOLE_CONTEXT = 'console';

/** Context of one raw console line: "T123"/"C1", "console", or "" (syzkaller's rules). */
export function lineContext(raw: string, rules: CompiledRules): string {
  const c0 = raw.charCodeAt(0);
  // Fast path: the prefix regexp can only match lines that start with '[' or '<', or that
  // carry a glued login prompt or a dropped-messages note.
  if (c0 !== 0x5b && c0 !== 0x3c && !raw.includes(' login: ') && !raw.startsWith('** ')) return NO_CONTEXT;
  const m = rules.consolePrefix.exec(raw);
  if (m === null) return NO_CONTEXT;
  const tag = m[1];
  if (tag === undefined) return CONSOLE_CONTEXT;
  return tag.replace(/[[\] ]/g, '');
}

/** Prepares console lines: context, stripped text, questionable-frame flag. */
export function toReportLines(lines: readonly ConsoleLine[], rules: CompiledRules): ReportLine[] {
  const out: ReportLine[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const max = rules.limits.lineChars;
    let raw = l.raw.length > max ? l.raw.slice(0, max) : l.raw;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const context = lineContext(raw, rules);
    let stripped = raw;
    let questionable = false;
    if (context !== NO_CONTEXT) {
      const at = raw.indexOf('] ');
      stripped = raw.slice(at + 2);
      if (!stripped.includes(rules.questionableExempt)) {
        const q = rules.questionableFrame.exec(stripped);
        if (q !== null) {
          // Keep " func+0x.." after the "?", as syzkaller does (such lines are left out anyway).
          stripped = stripped.slice(q.index + q[0].length - 1);
          questionable = true;
        } else if (stripped.endsWith(rules.questionableSuffix)) {
          stripped = stripped.slice(0, -rules.questionableSuffix.length);
          questionable = true;
        }
      }
    }
    out[i] = { no: l.no, raw, context, stripped, questionable };
  }
  return out;
}
