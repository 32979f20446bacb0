// The cheap pre-filter: every rule has a literal anchor. Anchors at the start of a
// message are found with one Map lookup on the message's first four characters;
// anchors that may sit anywhere share one alternation regex that only says "look
// closer"; anchors at the end are few and checked with endsWith. Only then does a
// rule's own (line-anchored, bounded) pattern run, on a bounded slice of the line.

/** What the index needs from a rule. */
export type Anchored = { anchor: string; at: 'start' | 'any' | 'end'; pattern?: string | undefined; where: 'line' | 'partial' | 'both' };

/** A confirmed match: the rule and its pattern groups (empty without a pattern). */
export type Hit<R> = { rule: R; order: number; groups: string[] };

type Entry<R> = { rule: R; order: number; anchor: string; re: RegExp | undefined };

const KEY = 4;
// Longest slice a pattern ever sees: patterns use bounded repeats, so work per line is
// bounded by this constant however long (or hostile) the line is.
const SLICE = 2048;

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Builds the pre-filter for a list of rules, keeping their order (first = most specific). */
export function createAnchorIndex<R extends Anchored>(rules: readonly R[]) {
  const start = new Map<string, Entry<R>[]>();
  const any: Entry<R>[] = [];
  const end: Entry<R>[] = [];
  const partial: Entry<R>[] = [];
  rules.forEach((rule, order) => {
    const e: Entry<R> = { rule, order, anchor: rule.anchor, re: rule.pattern === undefined ? undefined : new RegExp(rule.pattern) };
    if (rule.where !== 'line') partial.push(e);
    if (rule.where === 'partial') return;
    if (rule.at === 'start') {
      const k = rule.anchor.slice(0, KEY);
      const list = start.get(k);
      if (list === undefined) start.set(k, [e]);
      else list.push(e);
    } else if (rule.at === 'any') any.push(e);
    else end.push(e);
  });
  const anyRe = any.length === 0 ? undefined : new RegExp([...new Set(any.map((e) => e.anchor))].map(escapeRe).join('|'));

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
    const list = start.get(s.slice(0, KEY));
    if (list === undefined) return;
    for (const e of list) if (s.startsWith(e.anchor)) confirm(e, s, 0, out);
  }

  return {
    /**
     * All rules matching a message, in rule order. `text` is the message without console
     * prefixes; `body` is the same without status/ident prefixes ("[FAILED] ", "systemd[1]: ").
     */
    match(text: string, body: string): Hit<R>[] {
      const out: Hit<R>[] = [];
      matchStart(body, out);
      if (body !== text) matchStart(text, out);
      if (anyRe !== undefined && anyRe.test(text)) {
        for (const e of any) {
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
        const t = text.charCodeAt(text.length - 1) === 0x20 ? text.trimEnd() : text;
        for (const e of end) if (t.endsWith(e.anchor)) confirm(e, t.length > SLICE ? t.slice(-SLICE) : t, 0, out);
      }
      if (out.length > 1) out.sort((a, b) => a.order - b.order);
      return out;
    },
    /** Rules that apply to an unterminated tail (prompts), in rule order. */
    matchPartial(text: string): Hit<R>[] {
      const out: Hit<R>[] = [];
      const t = text.length > SLICE ? text.slice(-SLICE) : text;
      const trimmed = t.trimEnd();
      for (const e of partial) {
        const ok = e.rule.at === 'start' ? t.startsWith(e.anchor) : e.rule.at === 'end' ? trimmed.endsWith(e.anchor) : t.includes(e.anchor);
        if (ok) confirm(e, t, 0, out);
      }
      return out;
    },
  };
}

export type AnchorIndex<R extends Anchored> = ReturnType<typeof createAnchorIndex<R>>;
