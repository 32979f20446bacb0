import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonExact, stringifyExact } from './exact-json.ts';

test('integers past 2^53 come back as exact decimal strings; everything else as JSON.parse gives it', () => {
  const text = '{"a":18446735277616529280,"b":59,"c":1.5,"d":[9007199254740993,-9007199254740993],"e":"x","f":1e300,"g":9007199254740991}';
  assert.deepEqual(parseJsonExact(text), { a: '18446735277616529280', b: 59, c: 1.5, d: ['9007199254740993', '-9007199254740993'], e: 'x', f: 1e300, g: 9007199254740991 });
  // Plain JSON.parse rounds the address; this is the defect the exact parse exists for.
  assert.notEqual(String((JSON.parse(text) as { a: number }).a), '18446735277616529280');
});

test('stringifyExact writes a bigint as a raw number that parseJsonExact reads back exactly', () => {
  const text = stringifyExact({ arg2: 18446735277616529280n, arg1: 59 });
  assert.equal(text, '{"arg2":18446735277616529280,"arg1":59}');
  assert.deepEqual(parseJsonExact(text), { arg2: '18446735277616529280', arg1: 59 });
});
