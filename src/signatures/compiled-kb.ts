// The knowledge base compiled for matching: one anchor pre-filter over every entry (with
// and without the ready markers), the literal finders of the engine's skipper and the
// byte scan their tables live in, built once per KB and shared by every engine on it.
import { createByteScan, createLiteralFinder } from '../console/index.ts';
import type { ByteScan, LiteralFinder } from '../console/index.ts';
import { createAnchorIndex } from './anchor-index.ts';
import type { AnchorIndex } from './anchor-index.ts';
import type { CrashHeader, Kb, Marker, Rule } from './kb.ts';
import { oopsHeaders } from './kernel-title.ts';
import { BOOT_PHASES, phaseRank } from '../core/index.ts';
import type { BootPhase } from './types.ts';

/** core's phaseRank as a table: one load per use on the per-line path. */
export const RANK = Object.fromEntries(BOOT_PHASES.map((p) => [p, phaseRank(p)])) as Readonly<Record<BootPhase, number>>;

/** Every KB entry in one pre-filter, tagged by what it is (one lookup per line). */
export type Entry = (Rule & { tag: 'rule' }) | (Marker & { tag: 'marker' }) | (CrashHeader & { tag: 'header'; at: 'start'; where: 'line' });
export type Index = AnchorIndex<Entry>;

/** A KB ready to match with. */
export type CompiledKb = {
  /** The pre-filter over every entry; `withReady` false leaves out the ready markers (custom ready matchers replace them). */
  index(withReady: boolean): Index;
  /**
   * The search for every literal whose occurrence in a line could make the engine do more
   * than remember the line (default ready markers): the anchors of all line rules and
   * crash headers, the kernel-report parser's oops headers, the anchors of the markers
   * that could still move the phase from `phase` (later phases, and firmware banners,
   * which mean a reboot), and while a report window is open its end markers.
   */
  finder(phase: BootPhase, inReport: boolean): LiteralFinder;
  /** The byte scan the finders' tables are written into, shared by the splitters of every engine on this KB (undefined without WebAssembly SIMD). */
  readonly byteScan: ByteScan | undefined;
};

const cache = new WeakMap<Kb, CompiledKb>();

/** The compiled form of `kb`, built on first use and kept as long as the KB is. */
export function compiledKb(kb: Kb): CompiledKb {
  let c = cache.get(kb);
  if (c === undefined) {
    c = compile(kb);
    cache.set(kb, c);
  }
  return c;
}

function compile(kb: Kb): CompiledKb {
  const withReady = indexOf(kb, true);
  const withoutReady = indexOf(kb, false);
  const inner = innerWords(kb);
  const finders: (LiteralFinder | undefined)[] = [];
  return {
    byteScan: createByteScan(),
    index: (ready) => (ready ? withReady : withoutReady),
    finder(phase, inReport) {
      const r = RANK[phase];
      const k = r + (inReport ? BOOT_PHASES.length : 0);
      const known = finders[k];
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
      const minimal = words.filter((w) => !inner(w).some((o) => present.has(o)));
      return (finders[k] = createLiteralFinder(minimal, entries.filter((x) => x.at === 'end').map((x) => x.anchor)));
    },
  };
}

function indexOf(kb: Kb, withReady: boolean): Index {
  const entries: Entry[] = [
    ...kb.markers.filter((m) => withReady || m.marks !== 'ready').map((m) => ({ ...m, tag: 'marker' as const })),
    ...kb.rules.map((r) => ({ ...r, tag: 'rule' as const })),
    ...kb.kernel.headers.map((h) => ({ ...h, tag: 'header' as const, at: 'start' as const, where: 'line' as const })),
  ];
  // The parser's oops headers ride along in the anywhere-scan (one regex pass per line).
  return createAnchorIndex<Entry>(entries, { gateAnchors: oopsHeaders() });
}

/** For each literal a finder may look for, the other such literals inside it (found once per KB). */
function innerWords(kb: Kb): (w: string) => string[] {
  const all = [...new Set([...kb.markers, ...kb.rules].map((x) => x.anchor).concat(kb.kernel.headers.map((h) => h.anchor), oopsHeaders(), kb.kernel.endMarkers))];
  const inner = new Map(all.map((w) => [w, all.filter((o) => o.length < w.length && w.includes(o))]));
  return (w) => inner.get(w) ?? [];
}
