// Title normalisation as syzkaller does it: volatile parts (addresses, line numbers,
// numbers, function offsets, executor ids) become placeholders, then control and
// non-ASCII characters go, spaces are squeezed and the title is cut at 120 bytes.
import type { CompiledRules } from './rules.ts';

// Replacements run on the untruncated title; long captured text is cut first so the
// repeated passes stay cheap (the 120-byte cut happens afterwards anyway).
const MAX_PRE_CHARS = 1024;

function utf8Len(code: number): number {
  if (code < 0x80) return 1;
  if (code < 0x800) return 2;
  if (code >= 0xd800 && code <= 0xdfff) return 2; // half of a surrogate pair (4 bytes total)
  return 3;
}

/** Applies the replacement table, each entry repeated until the title stops changing. */
export function replaceVolatile(title: string, rules: CompiledRules): string {
  let s = title.length > MAX_PRE_CHARS ? title.slice(0, MAX_PRE_CHARS) : title;
  for (const r of rules.titleReplacements) {
    for (let round = 0; round < 64; round++) {
      const next = s.replace(r.match, r.with);
      if (next === s) break;
      s = next;
    }
  }
  return s;
}

/** Drops control and non-ASCII characters, squeezes spaces, cuts at maxTitleBytes input bytes. */
export function sanitizeTitle(title: string, maxBytes: number): string {
  let out = '';
  let prev = ' ';
  let bytes = 0;
  for (let i = 0; i < title.length && bytes < maxBytes; i++) {
    const code = title.charCodeAt(i);
    bytes += utf8Len(code);
    let ch = title[i]!;
    if (ch === '\t') ch = ' ';
    else if (code < 0x20 || code >= 0x7f) continue;
    if (ch === ' ' && prev === ' ') continue;
    out += ch;
    prev = ch;
  }
  return out.trim();
}

/** The full normalisation: replacements, then sanitising. */
export function normalizeTitle(title: string, rules: CompiledRules): string {
  return sanitizeTitle(replaceVolatile(title, rules), rules.maxTitleBytes);
}
