import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgressPrinter } from './progress.ts';

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => out.push(s) } };
}

test('plain mode: one timestamped line per step, no escape codes', () => {
  const s = sink(false);
  let t = 0;
  const p = createProgressPrinter(s.stream, { ci: false, now: () => t });
  p.step('debootstrap');
  t = 1500;
  p.step('mkfs');
  p.close(true);
  assert.deepEqual(s.out, ['[debian    0.0 s] debootstrap\n', '[debian    1.5 s] mkfs\n']);
});

test('CI on a TTY still prints plain lines', () => {
  const s = sink(true);
  const p = createProgressPrinter(s.stream, { ci: true, now: () => 0 });
  p.step('x');
  p.close(true);
  assert.ok(s.out.every((l) => !l.includes('\x1b')));
});

test('TTY mode: redraws the current step and ticks finished ones', () => {
  const s = sink(true);
  let t = 0;
  const p = createProgressPrinter(s.stream, { ci: false, now: () => t });
  p.step('a');
  t = 2000;
  p.step('b');
  p.close(false);
  const all = s.out.join('');
  assert.match(all, /✓ a \(2\.0 s\)\n/);
  assert.match(all, /✗ b \(0\.0 s\)\n/);
});
