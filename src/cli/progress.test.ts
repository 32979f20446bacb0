import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress } from './progress.ts';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
}

for (const [what, tty, ci] of [['not a terminal', false, false], ['CI on a terminal', true, true]] as const) {
  test(`${what}: only the kept lines, plain, no escape codes`, () => {
    const s = sink(tty);
    const p = createProgress(s.stream, { ci, now: () => 0 });
    p.status('working on a');
    p.line('a done');
    p.status('working on b');
    p.close();
    assert.deepEqual(s.out, ['a done\n']);
  });
}

test('a terminal: the status is redrawn in place with its clock, kept lines go above it, close clears it', () => {
  const s = sink(true);
  let t = 0;
  const p = createProgress(s.stream, { ci: false, now: () => t });
  p.status('booting');
  t = 2500;
  p.line('scenario 1 recovered');
  p.close();
  assert.deepEqual(s.out, ['\r\x1b[2Kbooting (0.0 s)', '\r\x1b[2Kscenario 1 recovered\n', '\r\x1b[2Kbooting (2.5 s)', '\r\x1b[2K']);
});
