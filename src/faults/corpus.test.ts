// The Debian faults' expectations were derived from real consoles of the same faults
// (../shared/corpus/real-boot-failures): bootmedic's own analysis of each console must still
// find the expected family and rule, and every fault console of INDEX.md has a fault here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeLog } from '../signatures/index.ts';
import { sharedPath, skipWithout } from '../../testkit/index.ts';
import { loadCatalogue } from './catalogue.ts';

const dir = sharedPath('corpus', 'real-boot-failures');
const skip = skipWithout(dir, 'corpus/real-boot-failures');

// Consoles that are not a disk-image fault of the Debian guest, and why.
const NOT_INJECTED: ReadonlyArray<[RegExp, string]> = [
  [/^good-boot-/, 'a reference boot, no fault'],
  [/^tiny-/, "the tiny guest's consoles; its faults are the bootmedic.fault switches"],
];

test('each corpus console of a debian fault shows the expected family and rule', { skip }, () => {
  const faults = loadCatalogue().filter((f) => f.corpus !== undefined);
  assert.ok(faults.length >= 15, `only ${faults.length} faults name a corpus console`);
  for (const f of faults) {
    for (const log of f.corpus!) {
      const a = analyzeLog(readFileSync(join(dir!, log)));
      const ids = a.findings.map((x) => `${x.family}:${x.id}`);
      assert.ok(a.findings.some((x) => x.family === f.expected.family), `${f.name} (${log}): findings ${ids.join(', ')} lack family ${f.expected.family}`);
      if (f.expected.finding !== undefined) assert.ok(a.findings.some((x) => x.id === f.expected.finding), `${f.name} (${log}): no ${f.expected.finding} in ${ids.join(', ')}`);
    }
  }
});

test('every fault console listed in INDEX.md has a catalogue fault', { skip }, () => {
  const index = readFileSync(join(dir!, 'INDEX.md'), 'utf8');
  const logs = [...index.matchAll(/^\| ([a-z0-9-]+\.log) \|/gm)].map((m) => m[1]!);
  assert.ok(logs.length > 10, 'INDEX.md lists the consoles in a table');
  const covered = new Set(loadCatalogue().flatMap((f) => f.corpus ?? []));
  const missing = logs.filter((l) => !covered.has(l) && !NOT_INJECTED.some(([re]) => re.test(l)));
  assert.deepEqual(missing, []);
});
