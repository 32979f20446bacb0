// "Does any of these literals occur in this line?" without a regular expression. V8's
// irregexp runs a long alternation of literals at a few MB/s on plain text (it cannot
// skip ahead when the alternatives start with common letters), and this question is
// asked of every console line. Instead each literal is reduced to its rarest pair of
// adjacent characters; one pass over the line looks every pair up in a 64 Ki-bit table,
// and only a pair that some literal contains leads to a startsWith() check. The work is
// one table lookup per character, linear whatever the line holds.

// Rough character frequencies in console text (higher = more common): lowercase letters
// by English letter frequency, then space, digits and the usual punctuation. Only used to
// pick which pair of a literal to index; a poor guess costs speed, never a wrong answer.
const LOWER_BY_FREQUENCY = 'etaoinshrdlcumwfgypbvkjxqz';

function weight(c: number): number {
  if (c === 0x20) return 12;
  if (c >= 0x61 && c <= 0x7a) return 1 + (26 - LOWER_BY_FREQUENCY.indexOf(String.fromCharCode(c))) / 3;
  if (c >= 0x30 && c <= 0x39) return 6;
  if (c >= 0x41 && c <= 0x5a) return 2;
  if (c === 0x3a || c === 0x2e || c === 0x5b || c === 0x5d) return 6; // ':' '.' '[' ']'
  if (c === 0x2d || c === 0x2c || c === 0x5f || c === 0x2f || c === 0x3d) return 3; // '-' ',' '_' '/' '='
  return 2;
}

/** A pair key: two characters folded to 16 bits (characters above U+00FF fold too: a false "maybe", never a miss). */
const pairKey = (a: number, b: number) => ((a & 0xff) << 8) | (b & 0xff);

/** Builds a test for "some word occurs in s", exact, linear in s. */
export function createLiteralScan(words: readonly string[]): (s: string) => boolean {
  const uniq = [...new Set(words)];
  if (uniq.some((w) => w.length < 2)) {
    // A one-character literal has no pair; such a set is answered by indexOf.
    return (s) => uniq.some((w) => s.includes(w));
  }
  const table = new Uint8Array(65536);
  // For each pair key: the literals indexed under it and the pair's offset in each.
  const byKey = new Map<number, { word: string; at: number }[]>();
  for (const w of uniq) {
    let best = 0;
    let bestScore = Infinity;
    for (let i = 0; i + 1 < w.length; i++) {
      const score = weight(w.charCodeAt(i)) * weight(w.charCodeAt(i + 1));
      if (score < bestScore) {
        bestScore = score;
        best = i;
      }
    }
    const k = pairKey(w.charCodeAt(best), w.charCodeAt(best + 1));
    table[k] = 1;
    const list = byKey.get(k);
    if (list === undefined) byKey.set(k, [{ word: w, at: best }]);
    else list.push({ word: w, at: best });
  }
  const lists: ({ word: string; at: number }[] | undefined)[] = Array.from({ length: 65536 }, (_, k) => byKey.get(k));
  return (s) => {
    const n = s.length;
    if (n < 2) return false;
    let prev = s.charCodeAt(0) & 0xff;
    for (let i = 1; i < n; i++) {
      const c = s.charCodeAt(i) & 0xff;
      const k = (prev << 8) | c;
      prev = c;
      if (table[k] === 0) continue;
      for (const { word, at } of lists[k]!) if (i - 1 - at >= 0 && s.startsWith(word, i - 1 - at)) return true;
    }
    return false;
  };
}
