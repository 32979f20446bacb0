import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from './canonical-json.ts';

test('canonicalJson sorts keys at every level and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, 'x'], c: null }, u: undefined }), '{"a":{"c":null,"d":[1,"x"]},"b":1}');
});

test('canonicalJson gives equal bytes for equal values built in another order', () => {
  const x = { z: 1, y: [{ q: 2, p: 3 }] };
  const y = { y: [{ p: 3, q: 2 }], z: 1 };
  assert.equal(canonicalJson(x), canonicalJson(y));
});

test('canonicalJson refuses NaN and functions', () => {
  assert.throws(() => canonicalJson({ a: Number.NaN }), /non-finite/);
  assert.throws(() => canonicalJson(() => 1), /cannot encode/);
});
