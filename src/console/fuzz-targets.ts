// Fuzz targets for the console pipeline: the line splitter (with clean-line and the prefix
// parser inside it) and the signature engine behind it. Inputs are recorded consoles
// (testkit/consoles) with random byte edits, soups of terminal control and kernel
// prefixes, and raw bytes, pushed whole or cut at random points.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { codesOf, type FuzzTarget } from '../../testkit/index.ts';
import { mutationArb, withMutation, type Mutation } from '../../testkit/index.ts';
import { analyzeLog, defaultKb, signaturesErrors } from '../signatures/index.ts';
import { consoleErrors } from './errors.ts';
import { cleanLine, createLineSplitter, parsePrefix, type ConsoleLine } from './index.ts';

let consoles: Buffer[] | undefined;
/** The recorded consoles of testkit/consoles, read once. */
function recorded(): Buffer[] {
  if (consoles !== undefined) return consoles;
  const dir = new URL('../../testkit/consoles/', import.meta.url);
  consoles = readdirSync(dir).filter((f) => f.endsWith('.log')).sort().map((f) => readFileSync(new URL(f, dir)));
  return consoles;
}

// Pieces of what consoles carry: kernel and syslog prefixes, CSI/OSC sequences, CR overdraw, UTF-8 (whole and cut), a BOM.
const PIECES = ['[    1.234567] ', '[   12.5] ', '[  T123] ', '[    C1] ', '<6>', '<12>', '[', ']', '<', '>', '\x1b[0;1;31m', '\x1b[2K', '\x1b[1;1H', '\x1b[', '\x1b]0;title\x07', '\x1b]', '\x1b(B', '\x9b1m', '\r', '\r\n', '\n', '\t', ' ', 'Kernel panic - not syncing: ', 'login: ', 'é', '\u2028', '\ufeff', '\x00', '\x7f', 'x'];
const SOUP_BYTES = fc.array(fc.oneof(fc.constantFrom(...PIECES).map((s) => Buffer.from(s)), fc.constantFrom(Buffer.from([0xe2, 0x82]), Buffer.from([0xac]), Buffer.from([0xff]), Buffer.from([0xc3]))), { maxLength: 300 }).map((bs) => Buffer.concat(bs));

/** A console: a recorded one with byte edits, a soup of console pieces, or raw bytes; cut into chunks at `cuts`. */
export type ConsoleInput = { source: { sample: number; m: Mutation } | { bytes: Uint8Array }; cuts: number[]; maxLineBytes: number };

const consoleArb = (): fc.Arbitrary<ConsoleInput> =>
  fc.record({
    source: fc.oneof(
      { weight: 2, arbitrary: fc.record({ sample: fc.nat(), m: mutationArb({ bigEndian: false, maxEdits: 24, cutChance: 0.3 }) }) },
      { weight: 2, arbitrary: fc.record({ bytes: SOUP_BYTES }) },
      { weight: 1, arbitrary: fc.record({ bytes: fc.uint8Array({ maxLength: 3000 }) }) },
    ),
    cuts: fc.array(fc.nat(), { maxLength: 12 }),
    maxLineBytes: fc.constantFrom(16, 40, 200, 65536),
  });

function withConsole<R>(input: ConsoleInput, fn: (b: Buffer) => R): R {
  if ('bytes' in input.source) return fn(Buffer.from(input.source.bytes));
  const c = recorded();
  const s = c[input.source.sample % c.length]!;
  return withMutation(s, [[0, s.length]], input.source.m, fn);
}

function split(chunks: readonly Uint8Array[], maxLineBytes: number, byteScan: boolean): ConsoleLine[] {
  const lines: ConsoleLine[] = [];
  const s = createLineSplitter({
    onLine: (l) => lines.push(l),
    onPartial: (text) => assert.ok(!CONTROL.test(text), `partial ${JSON.stringify(text)} keeps terminal control`),
    maxLineBytes,
    now: () => 0,
    byteScan,
  });
  for (const c of chunks) s.push(c);
  s.end();
  return lines;
}

// What cleanLine removes: C0 controls but TAB (LF ends lines), DEL and C1.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/;

/**
 * The line splitter: never throws; its lines are clean, numbered 1..n, within maxLineBytes,
 * their text a suffix of their raw line; and they are the same whether the bytes come whole
 * or in chunks, with or without the WebAssembly byte scan.
 */
export const lineSplitterTarget: FuzzTarget<ConsoleInput> = {
  name: 'console',
  codes: codesOf(consoleErrors),
  arbitrary: () => (recorded(), consoleArb()),
  size: (input) => ('bytes' in input.source ? input.source.bytes.length : recorded()[input.source.sample % recorded().length]!.length),
  run(input) {
    withConsole(input, (b) => {
      const whole = split([b], input.maxLineBytes, true);
      assert.deepEqual(split([b], input.maxLineBytes, false), whole, 'without the byte scan: other lines');
      whole.forEach((l, i) => {
        assert.equal(l.no, i + 1, 'line numbers run 1..n');
        assert.ok(!CONTROL.test(l.raw), `line ${l.no} keeps terminal control: ${JSON.stringify(l.raw)}`);
        assert.ok(l.raw.length <= input.maxLineBytes, `line ${l.no} is ${l.raw.length} long, max ${input.maxLineBytes}`);
        assert.ok(l.raw.endsWith(l.text), `line ${l.no}: text ${JSON.stringify(l.text)} is not the end of ${JSON.stringify(l.raw)}`);
        assert.ok(l.kernelTs === undefined || (Number.isFinite(l.kernelTs) && l.kernelTs >= 0));
      });
      // A line longer than maxLineBytes is cut as it stands when it outgrows the bound, so
      // whether a later CR overdraws its start depends on how the bytes arrived: compare
      // the chunked split only when every line fits.
      if (new TextDecoder().decode(b).split('\n').some((l) => l.length > input.maxLineBytes)) return;
      const at = [...new Set(input.cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
      const chunks = [0, ...at].map((from, i) => b.subarray(from, at[i] ?? b.length));
      assert.deepEqual(split(chunks, input.maxLineBytes, true), whole, `cut at ${at.join(',')}: other lines than pushed whole`);
    });
  },
  grow: (n) => ({ source: { bytes: Buffer.from('\x1b[1;1H x'.repeat(Math.floor(n / 9))) }, cuts: [], maxLineBytes: 65536 }),
};

/** cleanLine and parsePrefix on any text: clean output, cleaning twice changes nothing, the message is the line's end. */
export const cleanLineTarget: FuzzTarget<string> = {
  name: 'clean-line',
  codes: new Set(),
  arbitrary: () => fc.oneof(fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((p) => p.join('')), fc.string({ unit: 'binary', maxLength: 500 })),
  size: (s) => s.length,
  run(s) {
    const c = cleanLine(s);
    assert.ok(!CONTROL.test(c), `cleaned ${JSON.stringify(c)} keeps control`);
    assert.equal(cleanLine(c), c, 'cleaning is idempotent');
    const p = parsePrefix(c);
    assert.ok(c.endsWith(p.text));
    assert.ok(p.level === undefined || (p.level >= 0 && p.level <= 999));
  },
  // Cursor moves between words (each made cleanLine flatten its output before the fix).
  grow: (n) => '\x1b[1;1H x'.repeat(Math.floor(n / 9)),
};

/** The signature engine over a whole console: never throws outside its catalogue. */
export const signaturesTarget: FuzzTarget<ConsoleInput> = {
  name: 'signatures',
  codes: codesOf(consoleErrors, signaturesErrors),
  arbitrary: () => (recorded(), defaultKb(), consoleArb()),
  size: lineSplitterTarget.size,
  run(input) {
    withConsole(input, (b) => {
      const a = analyzeLog(b);
      assert.ok(a.lines >= 0 && Array.isArray(a.findings));
    });
  },
  grow: (n) => ({ source: { bytes: Buffer.from('Kernel panic - not syncing: '.repeat(Math.floor(n / 28))) }, cuts: [], maxLineBytes: 65536 }),
};
