import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createByteScan, createLiteralFinder, createLiteralScan } from '../console/index.ts';
import { seededRandom } from '../core/index.ts';
import { oopsHeaders } from './kernel-title.ts';

const naive = (words: readonly string[]) => (s: string) => words.some((w) => s.includes(w));

test('the literal scan agrees with includes() on random and mutated lines', () => {
  const words = [' error, dev ', '" lock', 'bootmedic-ready', ...oopsHeaders()];
  const scan = createLiteralScan(words);
  const ref = naive(words);
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const alphabet = 'BUGWARNINGINFO: kernelpanic_-\u2026\u0142\u00ff\uffffe rdv"lockx';
  let hits = 0;
  for (let i = 0; i < 20000; i++) {
    let s = Array.from({ length: rnd(80) }, () => alphabet[rnd(alphabet.length)]).join('');
    if (rnd(3) === 0) {
      const w = words[rnd(words.length)]!;
      const at = rnd(s.length + 1);
      s = s.slice(0, at) + (rnd(2) === 0 ? w : w.slice(0, -1)) + s.slice(at);
    }
    const want = ref(s);
    if (want) hits++;
    assert.equal(scan(s), want, JSON.stringify(s));
  }
  assert.ok(hits > 1000, `the test placed literals in ${hits} lines`);
});

test('short, wide and empty literal sets fall back to exact answers', () => {
  assert.equal(createLiteralScan([])('anything'), false);
  assert.equal(createLiteralScan(['x', 'BUG:'])('a x b'), true);
  assert.equal(createLiteralScan(['\u2026 done'])('wait\u2026 done'), true);
  assert.equal(createLiteralScan(['BUG:', 'INFO:'])('BUG'), false);
  assert.equal(createLiteralScan(['BUG:', 'INFO:'])('xINFO:'), true);
});

test('the finder returns the leftmost occurrence from any start, through successive searches of one text', () => {
  const words = ['BUG:', 'INFO:', 'Kernel panic', ' error, dev ', '/x', '\u2026 done', ...oopsHeaders()];
  const endWords = ['/ #', ' login:'];
  const f = createLiteralFinder(words, endWords);
  // What next() promises for a block of whole lines: the first word, or end word followed by a blank, CR or LF.
  const ref = (s: string, from: number) => {
    let best = -1;
    for (const w of [...words, ...endWords.flatMap((e) => [`${e} `, `${e}\r`, `${e}\n`])]) {
      const i = s.indexOf(w, from);
      if (i !== -1 && (best === -1 || i < best)) best = i;
    }
    return best;
  };
  let seed = 11;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const pieces = [...words, ...endWords, 'BUG', 'Kernel pani', '/', ' #', '\n', '\r\n', ' ', 'x', 'abc ', '\u2026'];
  let found = 0;
  for (let i = 0; i < 400; i++) {
    const s = Array.from({ length: rnd(200) }, () => (rnd(4) === 0 ? pieces[rnd(pieces.length)]! : 'qwerty '[rnd(7)]!)).join('');
    // Successive searches, as the splitter makes them: from increasing offsets, some repeated.
    for (let from = 0; from <= s.length; from += 1 + rnd(12)) {
      const want = ref(s, from);
      assert.equal(f.next(s, from), want, `${JSON.stringify(s)} from ${from}`);
      if (want !== -1) found++;
      assert.equal(f.occursIn(s.slice(from)), [...words, ...endWords].some((w) => s.slice(from).includes(w)) || want !== -1);
    }
  }
  assert.ok(found > 1000, `${found} occurrences found`);
});

test('searching the bytes of an ASCII block gives the same occurrences as searching its string', (t) => {
  const block = createByteScan()?.block();
  if (block === undefined) return t.skip('WebAssembly SIMD is not available here; the string search is the only one');
  const words = [' error, dev ', '" lock', 'bootmedic-ready', 'BUG:', ...oopsHeaders()];
  const endWords = ['/ #', 'login:'];
  const finder = createLiteralFinder(words, endWords);
  const rand = seededRandom(5);
  const alphabet = 'BUGWARNINGINFO: kernelpanic_-e rdv"lock/#\r\n';
  let found = 0;
  for (let round = 0; round < 400; round++) {
    let s = Array.from({ length: Math.floor(rand() * 3000) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    for (let k = Math.floor(rand() * 6); k > 0; k--) {
      const w = [...words, ...endWords.map((e) => `${e} `)][Math.floor(rand() * (words.length + endWords.length))]!;
      const at = Math.floor(rand() * (s.length + 1));
      s = s.slice(0, at) + (rand() < 0.7 ? w : w.slice(0, -1)) + s.slice(at);
    }
    // The block sits in a larger buffer, and the search runs in a window of it.
    const buf = Buffer.from(`x\n${s}\nBUG: after`, 'latin1');
    block.load(buf, 0, buf.length);
    block.window(2, 2 + s.length);
    for (let from = 0; from <= s.length; ) {
      const want = finder.next(s, from);
      assert.equal(finder.next(s, from, block), want, `round ${round}, from ${from}`);
      if (want === -1) break;
      found++;
      from = want + 1;
    }
    const line = s.split('\n')[0]!;
    assert.equal(finder.occursIn(line, block), finder.occursIn(line), JSON.stringify(line));
  }
  assert.ok(found > 500, `the test found ${found} occurrences`);
});
