// "Does any of these literals occur in this line?" without a regular expression. V8's
// irregexp runs a long alternation of literals at a few MB/s on console text (it cannot
// skip ahead when the alternatives start with common letters), and this question is
// asked of every console line. This is the Wu-Manber scheme (Wu and Manber, "A fast
// algorithm for multi-pattern searching", 1994) with blocks of two characters: a window
// as long as the shortest literal slides along the line; the pair of characters at its
// end, looked up in a 64 Ki-entry table, says how far the window may jump without
// passing over an occurrence, and only a pair that ends some literal's prefix leads to
// startsWith() checks. The work is linear in the line whatever it holds, and usually
// less than one table lookup per character.

/** A pair key: two characters folded to 16 bits (characters above U+00FF fold too; see below). */
const pairKey = (a: number, b: number) => ((a & 0xff) << 8) | (b & 0xff);

/** Builds an exact test for "some word occurs in s". */
export function createLiteralScan(words: readonly string[]): (s: string) => boolean {
  const uniq = [...new Set(words)];
  // Folding is safe only for literals of Latin-1 characters: a pair in the line with a
  // wider character then never belongs to an occurrence, so its (folded) table entry may
  // say anything without hiding one. Other sets, and one-character literals (no pair),
  // are answered by includes().
  if (uniq.length === 0) return () => false;
  if (uniq.some((w) => w.length < 2 || [...w].some((c) => c.charCodeAt(0) > 0xff))) return (s) => uniq.some((w) => s.includes(w));
  const m = Math.min(...uniq.map((w) => w.length));
  // shift[pair]: how far the window's end may move when the window ends in this pair.
  const shift = new Uint8Array(65536).fill(Math.min(m - 1, 255));
  const ending = new Map<number, string[]>(); // pair → literals whose first m characters end in it
  for (const w of uniq) {
    for (let q = 1; q < m; q++) {
      const k = pairKey(w.charCodeAt(q - 1), w.charCodeAt(q));
      shift[k] = Math.min(shift[k]!, m - 1 - q);
    }
    const k = pairKey(w.charCodeAt(m - 2), w.charCodeAt(m - 1));
    const list = ending.get(k);
    if (list === undefined) ending.set(k, [w]);
    else list.push(w);
  }
  const lists: (string[] | undefined)[] = Array.from({ length: 65536 }, (_, k) => ending.get(k));
  return (s) => {
    const n = s.length;
    let end = m - 1;
    while (end < n) {
      const k = ((s.charCodeAt(end - 1) & 0xff) << 8) | (s.charCodeAt(end) & 0xff);
      const jump = shift[k]!;
      if (jump !== 0) {
        end += jump;
        continue;
      }
      const start = end - m + 1;
      for (const w of lists[k]!) if (s.startsWith(w, start)) return true;
      end++;
    }
    return false;
  };
}
