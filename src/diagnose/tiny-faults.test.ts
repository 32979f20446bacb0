// The tiny guest's catalogue faults, as recorded from real QEMU (testkit/consoles/), each
// diagnosed from what the supervisor would hold at its verdict (testkit/recorded-evidence.ts).
// The top cause must be the catalogue's ground truth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalogue } from '../faults/index.ts';
import { DEFAULT_STALL_MS, isRecorded, recordedEvidence } from '../../testkit/recorded-evidence.ts';
import { diagnose } from './index.ts';

for (const fault of loadCatalogue().filter((f) => f.guests.includes('tiny'))) {
  const skip = isRecorded(fault.name) && isRecorded('good') ? false : `testkit/consoles/${fault.name}.jsonl not recorded (QEMU never starts for some faults)`;
  test(`recorded tiny fault ${fault.name} is diagnosed as ${fault.cause}`, { skip }, () => {
    // A fault may set its own stall budget (the slow fault does).
    const set = fault.injection.kind === 'vm' ? (fault.injection as { set?: { stall?: { defaultSeconds?: number } } }).set : undefined;
    const stallMs = set?.stall?.defaultSeconds !== undefined ? set.stall.defaultSeconds * 1000 : DEFAULT_STALL_MS;
    const d = diagnose(recordedEvidence(fault.name, stallMs));
    assert.equal(d.causes[0]?.cause, fault.cause, `${fault.name}: ${d.causes.slice(0, 3).map((c) => `${c.cause} ${c.probability.toFixed(3)}`).join(', ')} — ${d.explanation.summary}`);
  });
}
