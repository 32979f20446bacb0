import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLiteralScan } from './literal-scan.ts';
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
