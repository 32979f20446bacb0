// The tiny guest's catalogue faults, as recorded from real QEMU (testkit/consoles/), each
// diagnosed from what the supervisor would hold at its verdict (testkit/recorded-evidence.ts).
// The top cause must be the catalogue's ground truth.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCatalogue } from '../faults/index.ts';
import { DEFAULT_STALL_MS, isRecorded, recordedEvidence } from '../../testkit/index.ts';
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

// A drill may treat a misbehaviour switch as a defect inside the guest, outside the
// fingerprinted configuration (src/drill/scenarios.yaml, kind: guest): nothing changed.
for (const fault of loadCatalogue().filter((f) => f.guests.includes('tiny') && f.injection.kind === 'cmdline')) {
  test(`recorded tiny fault ${fault.name} with no visible configuration change is still ${fault.cause}`, { skip: isRecorded(fault.name) && isRecorded('good') ? false : 'not recorded' }, () => {
    const ev = recordedEvidence(fault.name);
    const same = { kernel: 'same', initrd: 'same', cmdline: 'same', memory: 'same', cpus: 'same', disks: 'same', accel: 'same', details: [] } as const;
    const d = diagnose({ ...ev, changes: { ...same, details: [] } });
    assert.equal(d.causes[0]?.cause, fault.cause, `${fault.name}: ${d.causes.slice(0, 3).map((c) => `${c.cause} ${c.probability.toFixed(3)}`).join(', ')}`);
  });
}
