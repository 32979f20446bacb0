import { createLiteralScan } from '../console/index.ts';

// The cheap pre-filter: every rule has a literal anchor. Anchors at the start of a
// message (or of its second word) are found with one Map lookup on four characters;
// anchors that may sit anywhere share one literal scan (console/literal-scan.ts) that only says
// "look closer"; anchors at the end are few and checked with endsWith. Only then does a
// rule's own (line-anchored, bounded) pattern run, on a bounded slice of the line.

/** What the index needs from a rule. */
export type Anchored = { anchor: string; at: 'start' | 'token' | 'any' | 'end'; pattern?: string | undefined; where: 'line' | 'partial' | 'both'; kernelMessage?: boolean };

/** A confirmed match: the rule and its pattern groups (empty without a pattern). */
export type Hit<R> = { rule: R; order: number; groups: string[] };

type Entry<R> = { rule: R; order: number; anchor: string; re: RegExp | undefined };

const KEY = 4;
const NONE: readonly never[] = Object.freeze([]);
// Longest slice a pattern ever sees: patterns use bounded repeats, so work per line is
// bounded by this constant however long (or hostile) the line is.
const SLICE = 2048;

/** Four characters from `i` folded into a number: a Map key without allocating a string. */
function keyOf(s: string, i = 0): number {
  return (((s.charCodeAt(i) & 0xff) << 24) | ((s.charCodeAt(i + 1) & 0xff) << 16) | ((s.charCodeAt(i + 2) & 0xff) << 8) | (s.charCodeAt(i + 3) & 0xff)) >>> 0;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One regex for a set of literals, factored by first character (measurably faster in V8). */
export function literalAlternation(words: string[]): RegExp {
  const byFirst = new Map<string, string[]>();
  for (const w of new Set(words)) {
    const list = byFirst.get(w[0]!);
    if (list === undefined) byFirst.set(w[0]!, [w.slice(1)]);
    else list.push(w.slice(1));
  }
  const alts = [...byFirst].map(([first, rests]) => escapeRe(first) + (rests.length === 1 ? escapeRe(rests[0]!) : `(?:${rests.map(escapeRe).join('|')})`));
  return new RegExp(alts.join('|'));
}

/** Builds the pre-filter for a list of rules, keeping their order (first = most specific). */
export function createAnchorIndex<R extends Anchored>(rules: readonly R[], opts: { gateAnchors?: readonly string[] } = {}) {
  const start = new Map<number, Entry<R>[]>();
  const token = new Map<number, Entry<R>[]>();
  const any: Entry<R>[] = [];
  const end: Entry<R>[] = [];
  const partial: Entry<R>[] = [];
  rules.forEach((rule, order) => {
    const e: Entry<R> = { rule, order, anchor: rule.anchor, re: rule.pattern === undefined ? undefined : new RegExp(rule.pattern) };
    if (rule.where !== 'line') partial.push(e);
    if (rule.where === 'partial') return;
    if (rule.at === 'start' || rule.at === 'token') {
      const map = rule.at === 'start' ? start : token;
      const k = keyOf(rule.anchor);
      const list = map.get(k);
      if (list === undefined) map.set(k, [e]);
      else list.push(e);
    } else if (rule.at === 'any') any.push(e);
    else end.push(e);
  });
  // `gateAnchors` join the anywhere-alternation so that one scan per line also tells the
  // caller whether any of them occurs (lastGateHit); the caller confirms which.
  const gate = opts.gateAnchors ?? [];
  const alternation = (es: Entry<R>[]) => (es.length + gate.length === 0 ? undefined : createLiteralScan([...es.map((e) => e.anchor), ...gate]));
  const anyRe = alternation(any);
  // Last characters of the end anchors: endsWith runs only when the line ends in one.
  const endChars = new Uint8Array(65536);
  for (const e of end) endChars[e.anchor.charCodeAt(e.anchor.length - 1)] = 1;
  // Most console lines are plain kernel messages; only the few anchors the kernel itself
  // prints are looked for in them, which keeps the alternation short on the hot path.
  const anyKernel = any.filter((e) => e.rule.kernelMessage === true);
  const anyKernelRe = alternation(anyKernel);

  function confirm(e: Entry<R>, s: string, from: number, out: Hit<R>[]): void {
    if (e.re === undefined) {
      out.push({ rule: e.rule, order: e.order, groups: [] });
      return;
    }
    const lo = Math.max(0, from - 256);
    const slice = from === 0 && s.length <= SLICE ? s : s.slice(lo, lo + SLICE);
    const m = e.re.exec(slice);
    if (m !== null) out.push({ rule: e.rule, order: e.order, groups: m.slice(1).map((g) => g ?? '') });
  }

  function matchStart(s: string, out: Hit<R>[]): void {
    if (s.length < KEY) return;
    const list = start.get(keyOf(s));
    if (list === undefined) return;
    for (const e of list) if (s.startsWith(e.anchor)) confirm(e, s, 0, out);
  }

  const scratch: Hit<R>[] = [];
  const state = {
    /** True when the last match() line's anywhere-scan hit (a gate anchor may occur in it). */
    lastGateHit: false,
    /**
     * All rules matching a message, in rule order. `text` is the message without console
     * prefixes; `body` is the same without status/ident prefixes ("[FAILED] ", "systemd[1]: ").
     * `kernelMessage`: the line is a plain kernel message (timestamped, no ident), so only
     * anywhere-anchors marked kernelMessage are looked for. An empty result is a shared
     * frozen array: read the result, do not modify it.
     */
    match(text: string, body: string, kernelMessage = false): Hit<R>[] {
      // Most lines match nothing: hits gather in a reused scratch array, and a result is
      // allocated only on a hit (NONE otherwise).
      const out = scratch;
      matchStart(body, out);
      if (body !== text) matchStart(text, out);
      // Second word: "<device>: UNEXPECTED INCONSISTENCY", "Warning: dracut-initqueue: ...".
      const lim = Math.min(body.length - KEY - 1, 128);
      const sp = lim > 1 ? body.indexOf(' ', 1) : -1; // native; the first space decides
      if (sp !== -1 && sp < lim) {
        const list = token.get(keyOf(body, sp + 1));
        if (list !== undefined) for (const e of list) if (body.startsWith(e.anchor, sp + 1)) confirm(e, body, 0, out);
      }
      const re = kernelMessage ? anyKernelRe : anyRe;
      state.lastGateHit = false;
      if (re !== undefined && re(text)) {
        state.lastGateHit = gate.length > 0;
        for (const e of kernelMessage ? anyKernel : any) {
          const i = text.indexOf(e.anchor);
          if (i === -1) continue;
          if (e.re !== undefined && e.re.source.startsWith('^')) {
            // Line-anchored: the message may carry an ident prefix ("systemd-fsck[9]: ").
            const n = out.length;
            confirm(e, body, 0, out);
            if (out.length === n && body !== text) confirm(e, text, 0, out);
          } else {
            confirm(e, text, i, out);
          }
        }
      }
      if (end.length > 0) {
        let last = text.length - 1;
        while (last >= 0 && text.charCodeAt(last) === 0x20) last--;
        if (last >= 0 && endChars[text.charCodeAt(last)] === 1) {
          const t = last === text.length - 1 ? text : text.slice(0, last + 1);
          for (const e of end) if (t.endsWith(e.anchor)) confirm(e, t.length > SLICE ? t.slice(-SLICE) : t, 0, out);
        }
      }
      if (out.length === 0) return NONE as unknown as Hit<R>[];
      const result = out.slice();
      out.length = 0;
      if (result.length > 1) result.sort((a, b) => a.order - b.order);
      return result;
    },
    /** Rules that apply to an unterminated tail (prompts), in rule order. */
    matchPartial(text: string): Hit<R>[] {
      const out: Hit<R>[] = [];
      const t = text.length > SLICE ? text.slice(-SLICE) : text;
      const trimmed = t.trimEnd();
      for (const e of partial) {
        const ok = e.rule.at === 'start' ? t.startsWith(e.anchor) : e.rule.at === 'end' ? trimmed.endsWith(e.anchor) : t.includes(e.anchor);
        // ('token' rules also pass through includes(): prompts are never token rules.)
        if (ok) confirm(e, t, 0, out);
      }
      return out;
    },
  };
  return state;
}

export type AnchorIndex<R extends Anchored> = ReturnType<typeof createAnchorIndex<R>>;
