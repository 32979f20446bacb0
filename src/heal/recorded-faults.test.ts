// Healing the tiny guest's catalogue faults, logic only: the diagnosis comes from the
// recorded real boot (testkit/recorded-evidence.ts); the fake target's verification boots
// reach ready exactly when the remedy is one that really removes that fault (the truth
// table below, from how each fault is injected: src/faults/catalogue.yaml). Real QEMU
// drills run the same loop with the lead's HealTarget.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCatalogue } from '../faults/index.ts';
import { openStore } from '../store/index.ts';
import { createFakeHealTarget, DEFAULT_STALL_MS, isRecorded, recordedEvidence } from '../../testkit/index.ts';
import { changedFields, createHealer, type RemedyContext } from './index.ts';

/** Remedies that bring each recoverable fault back to ready. */
const FIXED_BY: Record<string, string[]> = {
  slow: ['wait-longer', 'revert-config'],
  'wrong-root': ['revert-config'],
  'truncated-initrd': ['revert-config', 'restore-boot-artefacts'],
  'low-memory': ['more-memory', 'revert-config'],
};

for (const fault of loadCatalogue().filter((f) => f.guests.includes('tiny'))) {
  const skip = isRecorded(fault.name) && isRecorded('good') ? false : `testkit/consoles/${fault.name}.jsonl not recorded`;
  const fixers = fault.recoverable ? FIXED_BY[fault.name] : [];
  test(`${fault.name}: ${fault.recoverable ? 'recovers with its first remedy' : 'ends in a clean hand-over'}`, { skip: skip || (fixers === undefined ? 'no truth table for this fault' : false) }, async () => {
    const set = fault.injection.kind === 'vm' ? (fault.injection as { set?: { stall?: { defaultSeconds?: number } } }).set : undefined;
    const evidence = recordedEvidence(fault.name, set?.stall?.defaultSeconds !== undefined ? set.stall.defaultSeconds * 1000 : DEFAULT_STALL_MS);
    // The catalogue calls a fault unrecoverable when no remedy of bootmedic's removes it:
    // the tiny guest's misbehaviour switch then stands for a fault inside the guest, so it
    // belongs to the configuration the last good boot is compared with (nothing changed,
    // there is nothing to revert). A recoverable fault's change is visible in the diff.
    const changed = fault.recoverable && evidence.changes !== undefined ? changedFields(evidence.changes) : [];
    const context: RemedyContext = {
      accel: evidence.accel ?? 'tcg', memoryMiB: evidence.memoryMiB ?? 256, maxMemoryMiB: 2048, hasLastGood: true, changed, hasDisk: false, bootFromDisk: false,
      hasSnapshot: false, hasGolden: true, hasPreviousKernel: false, imageRepairs: [], cleanBootSeconds: 5, lastVerdict: evidence.status,
    };
    const home = mkdtempSync(join(tmpdir(), 'bm-heal-rec-'));
    const h = openStore({ home });
    try {
      const outcomes = Object.fromEntries((fixers ?? []).map((id) => [id, ['ready' as const]]));
      const fake = createFakeHealTarget({ context, outcomes });
      let t = 0;
      const healer = createHealer({ incidents: h.incidents, now: () => (t += 1000), sleep: async () => undefined });
      const r = await healer.heal({ vm: `tiny-${fault.name}`, target: fake.target, evidence, detectedAt: 0 });
      if (fault.recoverable) {
        assert.equal(r.outcome, 'recovered', `${fault.name}: tried ${fake.applied.join(', ')}`);
        assert.deepEqual(fake.applied.length, 1, `${fault.name}: tried ${fake.applied.join(', ')}`);
      } else {
        assert.equal(r.outcome, 'handed-over');
        assert.equal(fake.handOvers.length, 1);
        assert.ok(fake.applied.length <= 3, `${fault.name}: within the window budget, tried ${fake.applied.join(', ')}`);
      }
    } finally {
      h.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
}
