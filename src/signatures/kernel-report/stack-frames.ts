// Finds the guilty frame of a report: walks the stack recipe of a format (find this line,
// then parse the stack trace from there), drops frames on the skip list, and for stalls
// and hangs picks a representative frame deeper in the stack.
import { demangle } from './demangle.ts';
import type { CompiledRules, CompiledStack, StackPart } from './rules.ts';

/** Guilty frames found (one per parsed stack): canonical (prefix-stripped) and as printed. */
export type ExtractedFrames = { frames: string[]; rawFrames: string[]; ok: boolean };

type Key = { canonical: string; raw: string };
const NO_KEY: Key = { canonical: '', raw: '' };

const CORRUPTED_FRAME = 'corrupted';

function matchesAny(line: string, res: readonly RegExp[]): boolean {
  for (const re of res) if (re.test(line)) return true;
  return false;
}

function appendFrames(frames: string[], match: RegExpExecArray | null, skip: RegExp | undefined): void {
  if (match === null) return;
  for (let i = 1; i < match.length; i++) {
    const m = match[i];
    if (m === undefined) continue;
    const f = demangle(m);
    if (skip === undefined || !skip.test(f)) frames.push(f);
  }
}

/** Strips syscall-entry prefixes, keeping the shortest result (SyS_, __x64_sys_, ...). */
export function stripFrame(frame: string, prefixes: readonly string[]): string {
  let best = frame;
  for (const p of prefixes) {
    if (frame.startsWith(p) && frame.length - p.length < best.length) best = frame.slice(p.length);
  }
  return best;
}

// Stalls: the frame just above the first dispatcher/entry anchor (the anchor itself for the
// self-named ones). Returns the chosen name and the index of its frame.
function stallFrame(frames: readonly string[], rules: CompiledRules): [string, number] {
  let prev = frames[0] ?? '';
  let prevIdx = 0;
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    if (matchesAny(frame, rules.stallAnchors)) {
      for (const self of rules.stallSelfNamed) if (frame.includes(self)) { prev = self; prevIdx = i; }
      return [prev, prevIdx];
    }
    prev = frame;
    prevIdx = i;
  }
  return ['', -1];
}

// Hangs: group by a known anchor (rtnl_lock, synchronize_*), else the first frame that is
// not scheduler/locking/waiting plumbing.
function hangFrame(frames: readonly string[], rules: CompiledRules): [string, number] {
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    for (const a of rules.hangAnchors) if (frame.includes(a.contains)) return [a.name === '' ? frame : a.name, i];
  }
  next: for (let i = 0; i < frames.length; i++) {
    for (const s of rules.hangSkip) if (frames[i]!.includes(s)) continue next;
    return [frames[i]!, i];
  }
  return ['', -1];
}

function keyFrame(raw: readonly string[], stack: CompiledStack, rules: CompiledRules): Key {
  if (raw.length === 0) return NO_KEY;
  const stripped = raw.map((f) => stripFrame(f, rules.stripFramePrefixes));
  if (stack.extractor === undefined) return { canonical: stripped[0]!, raw: raw[0]! };
  const [name, idx] = stack.extractor === 'stall' ? stallFrame(stripped, rules) : hangFrame(stripped, rules);
  return name === '' ? NO_KEY : { canonical: name, raw: raw[idx]! };
}

function extractWith(parts: readonly StackPart[], text: string, stack: CompiledStack, rules: CompiledRules): ExtractedFrames {
  const lines = text.split('\n');
  let li = 0;
  let raw: string[] = [];
  const frames: string[] = [];
  const rawFrames: string[] = [];
  let ok = true;
  let stacks = 0;
  for (let pi = 0; ; pi++) {
    if (pi === parts.length || (parts[pi] === 'stack' && stacks > 0)) {
      const key = keyFrame(raw, stack, rules);
      if (key.canonical === '') {
        frames.push(CORRUPTED_FRAME);
        rawFrames.push(CORRUPTED_FRAME);
        ok = false;
      } else {
        frames.push(key.canonical);
        rawFrames.push(key.raw);
      }
      raw = [];
    }
    if (pi === parts.length) break;
    const part = parts[pi]!;
    if (part === 'stack') {
      stacks++;
      const nextPart = pi + 1 < parts.length ? parts[pi + 1] : undefined;
      scan: while (li < lines.length) {
        const ln = lines[li++]!;
        if (matchesAny(ln, rules.corruptedLines)) {
          ok = false;
          break scan;
        }
        if (matchesAny(ln, rules.stackStarts)) break scan;
        if (nextPart !== undefined && nextPart !== 'stack') {
          const m = nextPart.exec(ln);
          if (m !== null) {
            appendFrames(raw, m, stack.skip);
            pi++;
            break scan;
          }
        }
        let m: RegExpExecArray | null = null;
        for (const re of rules.frameRes) {
          m = re.exec(ln);
          if (m !== null) break;
        }
        appendFrames(raw, m, stack.skip);
      }
    } else {
      while (li < lines.length) {
        const ln = lines[li++]!;
        if (matchesAny(ln, rules.corruptedLines)) {
          ok = false;
          break;
        }
        const m = part.exec(ln);
        if (m === null) continue;
        appendFrames(raw, m, stack.skip);
        break;
      }
    }
  }
  return { frames, rawFrames, ok };
}

/** Extracts the guilty frame(s) of `text` (report text from the title match on). */
export function extractStackFrames(text: string, stack: CompiledStack, rules: CompiledRules): ExtractedFrames {
  const first = extractWith(stack.parts, text, stack, rules);
  if (first.ok || stack.parts2.length === 0) return first;
  return extractWith(stack.parts2, text, stack, rules);
}
