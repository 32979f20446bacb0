// The finding of a KB rule's hit: its fields, its title filled from the match, and for a
// Windows stop code the decoded code (and whether it waits for parameter lines).
import type { Hit } from './anchor-index.ts';
import type { Rule } from './kb.ts';
import { decodeStopCode } from './stop-codes.ts';
import type { BootPhase, Finding } from './types.ts';

/** The parameter lines a stop-code finding waits for (kb `stopCode.paramLines`), with its code. */
export type ParamLines = { pattern: string; lines: number; code: string };

/** The finding of `hit` on evidence `ev` while the boot is in `phase`; `paramLines` when it is to wait for them. */
export function ruleFindingOf(hit: Hit<Rule>, ev: { line: number; text: string }, atMs: number, phase: BootPhase): { f: Finding; paramLines?: ParamLines } {
  const r = hit.rule;
  const f: Finding = {
    id: r.id, family: r.family, title: '', component: r.component, layer: r.layer, severity: r.severity,
    phase: r.phase ?? phase, stopsBoot: r.stopsBoot, evidence: [ev], atMs, source: r.source,
  };
  let extra: Record<string, string> = {};
  if (r.stopCode !== undefined) {
    const code = hit.groups[r.stopCode.code - 1] ?? '';
    const decoded = decodeStopCode(code, (r.stopCode.params ?? []).map((g) => hit.groups[g - 1] ?? '0'));
    if (decoded === undefined) extra = { code, name: 'UNKNOWN_BUGCHECK' }; // not a 32-bit code
    if (decoded !== undefined) {
      f.stopCode = decoded;
      extra = { code: decoded.code, name: decoded.name };
      const pl = r.stopCode.paramLines;
      if (pl !== undefined) {
        f.title = fill(r.title, hit.groups, extra);
        return { f, paramLines: { pattern: pl.pattern, lines: pl.lines, code } };
      }
    }
  }
  f.title = fill(r.title, hit.groups, extra);
  return { f };
}

function fill(template: string, groups: string[], extra: Record<string, string> = {}): string {
  return template.replace(/\{([a-z0-9]{1,10})\}/g, (_m, k: string) => {
    const n = Number(k);
    const v = Number.isInteger(n) ? groups[n - 1] : extra[k];
    return (v ?? '').slice(0, 200);
  });
}
