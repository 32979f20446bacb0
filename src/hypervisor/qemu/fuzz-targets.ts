// Fuzz target for the QMP line decoder: any JSON, QMP-shaped objects whose fields have the
// wrong types, and any text. Used by qmp.fuzz.test.ts and bench/fuzz.ts.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { codesOf, type FuzzTarget } from '../../../testkit/index.ts';
import { assertNever } from '../../core/index.ts';
import { hvErrors } from '../errors.ts';
import { decodeQmpLine } from './qmp-message.ts';

/** QMP-shaped objects: the fields of a greeting, an event and a reply, each of a right or wrong type. */
export const qmpShapedArb: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    QMP: fc.oneof(fc.constant({ version: { qemu: { major: 7, minor: 2, micro: 0 }, package: '' }, capabilities: ['oob'] }), fc.jsonValue()),
    event: fc.oneof(fc.constantFrom('RESET', 'GUEST_PANICKED', 'SHUTDOWN'), fc.jsonValue()),
    data: fc.oneof(fc.constant({ reason: 'guest-reset' }), fc.jsonValue()),
    timestamp: fc.oneof(fc.constant({ seconds: 1, microseconds: 2 }), fc.jsonValue()),
    id: fc.oneof(fc.constantFrom('bm-1', 'bm-2'), fc.jsonValue()),
    error: fc.oneof(fc.constant({ class: 'GenericError', desc: 'x' }), fc.record({ class: fc.jsonValue(), desc: fc.jsonValue() }), fc.jsonValue()),
    return: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

/** The QMP decoder: only HV_QMP_PROTOCOL (not JSON) escapes; what it returns is well typed. */
export const qmpTarget: FuzzTarget<string> = {
  name: 'qmp',
  codes: codesOf(hvErrors),
  arbitrary: () => fc.oneof(qmpShapedArb.map((o) => JSON.stringify(o)), fc.json(), fc.string({ unit: 'binary', maxLength: 300 })),
  size: (s) => s.length,
  run(line) {
    const m = decodeQmpLine(line, 'fuzz');
    switch (m.type) {
      case 'event':
        assert.equal(typeof m.event.event, 'string');
        assert.ok(typeof m.event.data === 'object' && m.event.data !== null && !Array.isArray(m.event.data), 'event data is an object');
        if (m.event.timestamp !== undefined) assert.equal(typeof m.event.timestamp.seconds, 'number');
        break;
      case 'error':
        assert.ok(typeof m.errorClass === 'string' && typeof m.desc === 'string');
        break;
      case 'greeting':
        assert.equal(typeof m.greeting.QMP, 'object');
        break;
      case 'return':
      case 'other':
        break;
      default:
        assertNever(m, 'QMP message');
    }
  },
  grow: (n) => JSON.stringify({ event: 'X', data: { s: 'a'.repeat(n) } }),
};
