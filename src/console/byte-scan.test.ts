import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../core/index.ts';
import { BYTE_BLOCK_MAX, createByteScan } from './byte-scan.ts';
import { createLineSplitter, splitLines } from './index.ts';
import type { ConsoleLine } from './index.ts';

// What the scan must agree with: the splitter's regular expression, restricted to ASCII.
const DIRTY = /\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;
function dirtyByRegex(s: string, from: number): number {
  DIRTY.lastIndex = from;
  return DIRTY.test(s) ? DIRTY.lastIndex - 1 : s.length;
}

/** Random ASCII text: mostly printable, with line ends, CRs and the other controls mixed in. */
function randomAscii(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rand();
    s += r < 0.8 ? String.fromCharCode(0x20 + Math.floor(rand() * 95)) : r < 0.88 ? '\n' : r < 0.95 ? '\r' : String.fromCharCode(Math.floor(rand() * 32) + (rand() < 0.1 ? 0x60 : 0));
  }
  return s;
}

test('the byte scan finds the same dirty offsets as the regular expression, from every start', (t) => {
  const block = createByteScan()?.block();
  if (block === undefined) return t.skip('WebAssembly SIMD is not available here; the splitter uses its regular expression');
  const rand = seededRandom(7);
  for (let round = 0; round < 300; round++) {
    // Lengths around the 16-byte steps, and some long blocks.
    const n = round < 200 ? Math.floor(rand() * 70) : Math.floor(rand() * BYTE_BLOCK_MAX);
    const s = randomAscii(rand, n);
    const buf = Buffer.from(s, 'latin1');
    // The block sits inside a larger buffer, as a block of a read chunk does.
    const outer = Buffer.concat([Buffer.from('\r\x01pre'), buf, Buffer.from('\n\x01post\r')]);
    block.load(outer, 5, 5 + buf.length);
    const step = n > 1000 ? 97 : 1;
    for (let from = 0; from <= n; from += step) assert.equal(block.dirty(from), dirtyByRegex(s, from), `round ${round}, from ${from}: ${JSON.stringify(s.slice(from, from + 40))}`);
  }
});

test('blocks of several splitters stay apart when they share the scan', (t) => {
  const scan = createByteScan();
  const a = scan?.block();
  const b = scan?.block();
  if (a === undefined || b === undefined) return t.skip('WebAssembly SIMD is not available here');
  a.load(Buffer.from('clean line\nclean\x1b[0m line\n'), 0, 26);
  b.load(Buffer.from('x\x07y\n'), 0, 4);
  assert.equal(a.dirty(0), 16); // a's bytes again, though b loaded last
  assert.equal(b.dirty(0), 1);
  assert.equal(a.dirty(17), 26); // the block is 26 bytes: none dirty after the escape
});

test('bytes split into the same lines with and without the byte scan, and as a string', () => {
  const rand = seededRandom(11);
  const fields = (l: ConsoleLine) => [l.no, l.raw, l.text, l.kernelTs, l.caller, l.level, l.truncated];
  for (let round = 0; round < 40; round++) {
    const s = randomAscii(rand, 2000 + Math.floor(rand() * 200_000)).replace(/\n/g, () => (rand() < 0.3 ? `\n[ ${Math.floor(rand() * 99)}.123456] ` : '\n'));
    const fromText = splitLines(s).map(fields);
    // Some lines carry UTF-8 (the ellipsis systemd prints); bytes arrive in chunks of any size, as from a pipe.
    const buf = Buffer.from(rand() < 0.5 ? s : s.replace(/\n/g, () => (rand() < 0.05 ? '\u2026\n' : '\n')), 'utf8');
    const expected = buf.includes(0xe2) ? splitLines(buf.toString('utf8')).map(fields) : fromText;
    const cuts: number[] = [];
    for (let at = 0; at < buf.length; at += 1 + Math.floor(rand() * 150_000)) cuts.push(at);
    for (const byteScan of [true, false]) {
      const lines: ConsoleLine[] = [];
      const sp = createLineSplitter({ onLine: (l) => lines.push(l), now: () => 0, byteScan });
      cuts.forEach((at, i) => sp.push(buf.subarray(at, cuts[i + 1] ?? buf.length)));
      sp.end();
      assert.deepEqual(lines.map(fields), expected, `round ${round}, byte scan ${byteScan}`);
    }
  }
});

test('each byte scan keeps its own memory and literal tables', (t) => {
  const one = createByteScan();
  const two = createByteScan();
  if (one === undefined || two === undefined) return t.skip('WebAssembly SIMD is not available here');
  const tOne = one.table(['abcd']);
  const tTwo = two.table(['wxyz']);
  assert.ok(tOne !== undefined && tTwo !== undefined);
  const a = one.block();
  const b = two.block();
  a.load(Buffer.from('..abcd..wxyz\n'), 0, 13);
  b.load(Buffer.from('wxyz..abcd..\n'), 0, 13);
  // Each block searches its own bytes with its own scan's table, whatever the other loaded.
  assert.equal(a.find(tOne, 0), 2);
  assert.equal(b.find(tTwo, 0), 0);
  assert.equal(b.find(tTwo, 1), -1);
  assert.equal(a.find(tOne, 3), -1);
});

test('splitters sharing one byte scan split as they do alone, fed in turns', () => {
  const scan = createByteScan();
  const texts = ['SeaBIOS\nclean\x1b[0m line\n[    1.0] ok\n', 'x\x07y\nplain line\nlast\n'];
  const alone = texts.map((s) => splitLines(Buffer.from(s)).map((l) => l.text));
  const got: string[][] = [[], []];
  const sps = texts.map((_, i) => createLineSplitter({ onLine: (l) => got[i]!.push(l.text), now: () => 0, ...(scan === undefined ? {} : { byteScan: scan }) }));
  for (let k = 0; k < 3; k++) for (let i = 0; i < 2; i++) sps[i]!.push(Buffer.from(texts[i]!.split('\n')[k]! + '\n'));
  for (const sp of sps) sp.end();
  assert.deepEqual(got, alone);
});
