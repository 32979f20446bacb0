import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runGuarded } from '../../testkit/index.ts';
import { cleanLine } from './clean-line.ts';

const ESC = '\x1b';

test('colours, screen clears and other escapes go without a trace', () => {
  assert.equal(cleanLine(`${ESC}[0;1;31mFAILED${ESC}[0m to start ${ESC}[K`), 'FAILED to start ');
  assert.equal(cleanLine(`${ESC}[2J${ESC}[=3hBdsDxe: loading`), 'BdsDxe: loading');
  assert.equal(cleanLine(`${ESC}]0;title\x07text`), 'text');
});

test('a bare CR overdraws: only the text after the last one is kept', () => {
  assert.equal(cleanLine('[  ***] A start job is running\r[ *** ] A start job is running'), '[ *** ] A start job is running');
});

test('a cursor move to a screen position (CUP H, HVP f) separates the texts around it by one space', () => {
  assert.equal(cleanLine(`${ESC}[02;01HERROR${ESC}[04;01HVerification failed`), 'ERROR Verification failed');
  assert.equal(cleanLine(`one${ESC}[5;1ftwo`), 'one two');
  assert.equal(cleanLine('one\x9b5;1Htwo'), 'one two', '8-bit CSI');
  // No leading or doubled space: a move at the start, after a blank, or several in a row.
  assert.equal(cleanLine(`${ESC}[01;01HBdsDxe: loading`), 'BdsDxe: loading');
  assert.equal(cleanLine(`a ${ESC}[3;1H${ESC}[4;1Hb`), 'a b');
  // Other cursor moves (up, column) stay silent as before.
  assert.equal(cleanLine(`ab${ESC}[2Acd${ESC}[10Gef`), 'abcdef');
  // After a bare CR the overdraw still wins.
  assert.equal(cleanLine(`old\r${ESC}[3;1Hnew`), 'new');
});

test("shim's ERROR dialog (one unterminated line of cursor-addressed rows) keeps its message whole", () => {
  // As this host's serial console got it: CP437 box bytes decoded as U+FFFD, rows placed with CUP.
  const box = '\ufffd';
  const raw = `${ESC}[0m${ESC}[37m${ESC}[44m${ESC}[01;01H${box}${ESC}[01;01H${box}${box}${box}${ESC}[02;01H${box}    ERROR    ${box}${ESC}[03;01H${box}        ${box}${ESC}[04;01H${box}    Verification failed: (0x1A) Security Violation    ${box}${ESC}[05;01H${box}    ${box}`;
  const out = cleanLine(raw);
  assert.match(out, /ERROR {4}\ufffd \ufffd/);
  assert.match(out, /\ufffd {4}Verification failed: \(0x1A\) Security Violation {4}\ufffd \ufffd/);
  assert.doesNotMatch(out, /\x1b|\[0?\d;0?1H/);
});

test('a line of 700,000 cursor moves between words is cleaned in linear time (found by bench/fuzz.ts)', () => {
  // Each move read the last character of the output so far, which made V8 flatten the
  // string built by += every time: 400 KB took 14 s. Run in a child with a limit 100
  // times what the linear code needs, so a return of the quadratic shows as a failure.
  const script = `import { cleanLine } from ${JSON.stringify(new URL('./clean-line.ts', import.meta.url).href)};
    const out = cleanLine('\\x1b[1;1H x'.repeat(700_000));
    process.stdout.write(String(out.length));`;
  const r = runGuarded(script);
  assert.ok(r.finished, `cleanLine did not finish within 60 s ${r.stderr}`);
  assert.equal(r.stdout, String(3 * 700_000 - 1)); // ' x', then '  x' for each further move
});
