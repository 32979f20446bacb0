// Forms the raw title of a report: the format whose title pattern matches earliest in
// the report wins; its captures and guilty frames fill the title template.
import type { CompiledFormat, CompiledOops, CompiledRules } from './rules.ts';
import { extractStackFrames } from './stack-frames.ts';

/** The raw (not yet normalised) title and why the report looks corrupted, if it does. */
export type Description = { title: string; alt: string[]; corrupted: string; format: CompiledFormat | undefined; frame: string | undefined };

/** Fills "{1} ... {n}" placeholders; a missing argument leaves an empty string. */
export function fillTemplate(fmt: string, args: readonly string[]): string {
  return fmt.replace(/\{(\d+)\}/g, (_w, n: string) => args[Number(n) - 1] ?? '');
}

// Every title and report pattern starts with its family's header (checked when the rules
// load), so a match can only start where the header occurs. Trying the (sticky) patterns at
// those places only, and at no more than limits.titleCandidates of them, gives the same earliest match
// as a free search on real reports while keeping crafted input from making the search
// quadratic (JavaScript regular expressions backtrack; syzkaller's Go ones do not).
function candidates(text: string, header: string, max: number): number[] {
  const out: number[] = [];
  for (let at = text.indexOf(header); at !== -1 && out.length < max; at = text.indexOf(header, at + 1)) out.push(at);
  return out;
}

function firstMatch(re: RegExp, text: string, starts: readonly number[], from = 0): RegExpExecArray | null {
  for (const p of starts) {
    if (p < from) continue;
    re.lastIndex = p;
    const m = re.exec(text);
    if (m !== null) return m;
  }
  return null;
}

/** Describes `text` (report lines joined by "\n") as oops `oops` does. */
export function describeReport(text: string, oops: CompiledOops, rules: CompiledRules): Description {
  let startPos = text.length;
  let title = '';
  let alt: string[] = [];
  let corrupted = '';
  let format: CompiledFormat | undefined;
  let frame: string | undefined;
  let matchedTitle = false;
  const starts = candidates(text, oops.header, rules.limits.titleCandidates);
  for (const f of oops.formats) {
    let m = firstMatch(f.title, text, starts);
    if (m === null || m.index > startPos) continue;
    if (m.index === startPos && title !== '') continue;
    if (m.index < startPos) {
      title = '';
      format = undefined;
      startPos = m.index;
    }
    matchedTitle = true;
    if (f.report !== undefined) {
      m = firstMatch(f.report, text, starts, startPos);
      if (m === null) continue;
    }
    const prefix: string[] = [];
    for (let i = 1; i < m.length; i++) prefix.push(m[i] ?? '');
    corrupted = '';
    frame = undefined;
    let frames: string[] = [];
    let rawFrames: string[] = [];
    if (f.stack !== undefined) {
      const got = extractStackFrames(text.slice(m.index), f.stack, rules);
      if (!got.ok) corrupted = 'extracted no frames';
      frames = got.frames;
      rawFrames = got.rawFrames;
      frame = frames[frames.length - 1];
    }
    // concat, not spread: spreading arrays of varying element kinds (an empty frame list,
    // a list of strings) made V8 deoptimise and recompile this function again and again.
    const args = prefix.concat(frames);
    title = fillTemplate(f.fmt, args);
    alt = f.alt.map((a) => fillTemplate(a, args));
    // Alternative titles also name the frames as printed and with each syscall prefix
    // stripped on its own, so that one bug seen through different entry points dedups.
    for (let i = 0; i <= rules.stripFramePrefixes.length; i++) {
      const p = i === 0 ? '' : rules.stripFramePrefixes[i - 1]!;
      const list = rawFrames.map((r) => (p !== '' && r.startsWith(p) ? r.slice(p.length) : r));
      if (i > 0 && list.every((x, j) => x === rawFrames[j])) continue;
      const a = prefix.concat(list);
      const t = fillTemplate(f.fmt, a);
      if (t !== title) alt.push(t);
      for (const extra of f.alt) alt.push(fillTemplate(extra, a));
    }
    alt = [...new Set(alt)];
    format = f;
  }
  if (title === '') {
    // The header matched but no format did fully: take the header line as the title.
    if (matchedTitle) corrupted = 'matched title but not report regexp';
    const pos = text.indexOf(oops.header);
    if (pos === -1) return { title: '', alt, corrupted, format, frame };
    const end = text.indexOf('\n', pos);
    title = text.slice(pos, end === -1 ? text.length : end);
  }
  if (corrupted === '' && format?.corrupted === true) corrupted = 'report format is marked as corrupted';
  return { title, alt, corrupted, format, frame };
}
