import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSyzTestFile } from './index.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

test('header keys, repeated ALT, comments and the log are read', () => {
  const tc = parseSyzTestFile(enc('# a comment\nTITLE: WARNING in foo\nALT: b\nALT: a\nTYPE: WARNING\nCORRUPTED: Y\n\n[ 1.0] line one\r\nline two\n'));
  assert.equal(tc.title, 'WARNING in foo');
  assert.deepEqual(tc.alt, ['a', 'b']);
  assert.equal(tc.type, 'WARNING');
  assert.equal(tc.corrupted, true);
  assert.equal(dec(tc.log), '[ 1.0] line one\nline two\n');
  assert.equal(tc.report, undefined);
});

test('a file starting with an empty line expects no crash', () => {
  const tc = parseSyzTestFile(enc('\nBUG: looks like a crash but the header says none\n'));
  assert.equal(tc.title, undefined);
  assert.equal(dec(tc.log), 'BUG: looks like a crash but the header says none\n');
});

test('the REPORT: part is split off the log', () => {
  const tc = parseSyzTestFile(enc('TITLE: x\n\nlog line\n\nREPORT:\nreport line\n'));
  assert.equal(dec(tc.log), 'log line\n');
  assert.equal(tc.report, 'report line\n');
});
