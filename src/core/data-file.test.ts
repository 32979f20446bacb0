import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BootmedicError, isBootmedicError } from './errors.ts';
import { loadDataFile, parseData } from './data-file.ts';
import { LIMIT } from './limits.ts';

const fail = (m: string) => new BootmedicError('TEST_BAD', m, { fix: 'f', exit: 'input' });
const yaml = { what: 'test.yaml', format: 'yaml', fail } as const;

/** The alias bomb of the hostile tester: each level lists the previous one nine times. */
function aliasBomb(levels: number): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

test('a YAML alias bomb is the caller\'s error naming the aliases, not a ReferenceError', () => {
  assert.throws(() => parseData(aliasBomb(8), yaml), (e) => isBootmedicError(e, 'TEST_BAD') && /aliases/.test(e.message) && e.message.startsWith('test.yaml'));
});

test('a few aliases still work', () => {
  assert.deepEqual(parseData('a: &a [1, 2]\nb: *a\n', yaml), { a: [1, 2], b: [1, 2] });
});

test('nesting deeper than the limit is refused, in YAML and in JSON', () => {
  const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
  assert.throws(() => parseData(deep(LIMIT.DATA_MAX_DEPTH + 1), yaml), (e) => isBootmedicError(e, 'TEST_BAD') && /nested/.test(e.message));
  assert.throws(() => parseData(deep(LIMIT.DATA_MAX_DEPTH + 1), { ...yaml, format: 'json' }), (e) => isBootmedicError(e, 'TEST_BAD') && /nested/.test(e.message));
  assert.throws(() => parseData(deep(10_000), yaml), (e) => isBootmedicError(e, 'TEST_BAD') && /nested more than 64 levels/.test(e.message));
  assert.throws(() => parseData(deep(10_000), { ...yaml, format: 'json' }), (e) => isBootmedicError(e, 'TEST_BAD'));
  assert.deepEqual(parseData(deep(LIMIT.DATA_MAX_DEPTH - 1), { ...yaml, format: 'json' }), JSON.parse(deep(LIMIT.DATA_MAX_DEPTH - 1)));
});

test('bad syntax names the line and column', () => {
  assert.throws(() => parseData('a: [1\nb: 2\n', yaml), (e) => isBootmedicError(e, 'TEST_BAD') && /at line \d+, column \d+/.test(e.message));
  assert.throws(() => parseData('{"a":', { ...yaml, format: 'json' }), (e) => isBootmedicError(e, 'TEST_BAD') && /not valid JSON/.test(e.message));
});

test('a data file larger than its limit is refused before it is parsed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-data-'));
  try {
    const p = join(dir, 'big.yaml');
    writeFileSync(p, `a: "${'x'.repeat(2000)}"\n`);
    assert.throws(() => loadDataFile(p, { what: 'model', fail, maxBytes: 1000 }), (e) => isBootmedicError(e, 'FILE_TOO_LARGE') && e.message.includes(p) && e.exitClass === 'input');
    assert.deepEqual(loadDataFile(p, { what: 'model', fail }), { a: 'x'.repeat(2000) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
