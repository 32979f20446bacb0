import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripVTControlCharacters } from 'node:util';
import { paint, table } from './style.ts';

test('paint styles with ANSI codes when colour is on and returns the text unchanged when off', () => {
  const on = paint(true);
  assert.equal(on.red('x'), '\x1b[31mx\x1b[39m');
  assert.equal(on.bold('x'), '\x1b[1mx\x1b[22m');
  assert.equal(stripVTControlCharacters(on.boldRed('fatal')), 'fatal');
  const off = paint(false);
  for (const k of ['red', 'green', 'yellow', 'dim', 'bold', 'boldRed'] as const) assert.equal(off[k]('x'), 'x', k);
});

test('table: columns as wide as their widest cell, right alignment, minimum widths, styled cells measured without escapes', () => {
  const p = paint(true);
  const lines = table(
    [
      ['1.', p.red('a'), 'x'],
      ['10.', 'bbb', 'y'],
    ],
    { columns: [{ align: 'right' }, { min: 4 }], indent: '> ' },
  );
  assert.deepEqual(lines.map((l) => stripVTControlCharacters(l)), ['>  1.  a     x', '> 10.  bbb   y']);
  // The last column is never padded, so lines carry no trailing blanks.
  assert.deepEqual(table([['a', 'long'], ['bb', 'c']]), ['a   long', 'bb  c']);
  assert.deepEqual(table([['1', 'a', 'b']], { gap: [' ', ' | '] }), ['1 a | b']);
  assert.deepEqual(table([]), []);
});
