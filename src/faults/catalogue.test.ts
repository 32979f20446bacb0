import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CAUSES, getFault, loadCatalogue, parseCatalogue } from './catalogue.ts';

test('the built-in catalogue validates and holds the required faults with ground truth', () => {
  const names = loadCatalogue().map((f) => f.name);
  for (const n of ['panic', 'hang', 'oom', 'kill-init', 'shell', 'bootloop', 'wrong-root', 'truncated-initrd', 'low-memory', 'slow']) assert.ok(names.includes(n), n);
  for (const f of loadCatalogue()) assert.ok((CAUSES as readonly string[]).includes(f.cause));
  assert.equal(getFault('low-memory').cause, 'insufficient-memory');
});

test('unknown names and bad entries are refused with the field named', () => {
  assert.throws(() => getFault('nope'), /FAULT_UNKNOWN|no fault 'nope'/);
  assert.throws(
    () => parseCatalogue('faults:\n  - name: x\n    description: long enough text\n    guests: [tiny]\n    injection: {kind: cmdline, append: a}\n    cause: gremlins\n    recoverable: false\n    expected: {outcome: failed, family: f}\n'),
    (e: Error) => /cause/.test(e.message),
  );
  const dup = 'faults:\n' + ['a', 'a'].map((n) => `  - {name: ${n}, description: long enough text, guests: [tiny], injection: {kind: cmdline, append: x}, cause: transient, recoverable: true, expected: {outcome: failed, family: f}}\n`).join('');
  assert.throws(() => parseCatalogue(dup), /twice/);
});
