// Real QEMU: a short drill (three quick scenarios, one at a time) on the tiny guest. Each
// fault is injected into a real VM, detected, diagnosed and healed through the real
// HealTarget; the report's totals must agree with its scenarios, and each scenario must end
// as the ground truth says (recoverable: recovered; otherwise a clean hand-over).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAppConfig } from '../src/config/index.ts';
import { computeTotals, finishDrill, runDrill } from '../src/drill/index.ts';
import { createQemuHypervisor, liveChildren } from '../src/hypervisor/index.ts';
import { openLedger } from '../src/ledger/index.ts';
import { openIncidents } from '../src/recovery/index.ts';
import { openStore } from '../src/store/index.ts';
import { skipWithoutTiny } from './hypervisor-helpers.ts';
import { guestSource } from '../src/guest/index.ts';

const home = mkdtempSync(join(tmpdir(), 'bm-drill-'));
after(() => rmSync(home, { recursive: true, force: true }));

test('a short real drill heals its faults as the ground truth says and reports consistent totals', { timeout: 900_000, skip: skipWithoutTiny() }, async () => {
  const app = resolveAppConfig({ home });
  const store = openStore({ home });
  const ledger = await openLedger({ home });
  const inc = openIncidents(home);
  let report;
  let files;
  try {
    const deps = { hypervisor: createQemuHypervisor(app, { guests: guestSource(app) }), home, store, record: (e: { type: string; vm: string; data: unknown }) => ledger.append(e) };
    const r = await runDrill({ scenarios: 3, seed: 4, parallel: 1, quick: true, app, deps, incidents: inc.incidents, dir: join(home, 'drill'), id: 'test' });
    ({ report, files } = await finishDrill(r, ledger));
  } finally {
    inc.close();
    await ledger.close();
    store.close();
  }
  const t = report.totals;
  assert.equal(t.scenarios, 3);
  assert.equal(report.scenarios.length, 3);
  // The totals are recomputed from the scenarios: the report does not contradict itself.
  const again = computeTotals(report.scenarios, report.cleanBoot.ms, undefined);
  for (const k of ['detected', 'detectionRate', 'top1Accuracy', 'recovered', 'recoverable', 'recoveryRate', 'mttrMedianMs', 'mttrP95Ms', 'cleanBootMs'] as const) assert.deepEqual(t[k], again[k], k);
  assert.ok(t.cleanBootMs > 0);
  for (const s of report.scenarios) {
    const what = `${s.name}: ${JSON.stringify({ outcome: s.outcome, top: s.topCause, remedies: s.remedies, error: s.error })}`;
    assert.equal(s.detected, true, what);
    assert.ok(s.topCause !== undefined && s.trueCauses.includes(s.topCause), `diagnosis names the true cause: ${what}`);
    assert.equal(s.outcome, s.expectedOutcome, what);
    if (s.outcome === 'recovered') assert.ok(s.mttrMs !== undefined && s.mttrMs > 0 && s.fixedBy !== undefined, what);
    else assert.ok(s.handOverReport !== undefined && existsSync(s.handOverReport), `a hand-over report is written: ${what}`);
  }
  assert.equal(t.detectionRate, 1);
  assert.equal(t.recoveryRate, 1);
  // The report files, with the ledger checkpoint covering the drill.
  assert.ok(report.ledger !== undefined && report.ledger.checkpoint.includes(`\n${report.ledger.index + 1}\n`), 'the checkpoint covers the drill entry');
  assert.equal(t.checkpoint, report.ledger.checkpoint);
  const html = readFileSync(files.html, 'utf8');
  assert.ok(html.includes('<svg') && !/(src|href)="https?:/.test(html), 'self-contained HTML with inline SVG');
  assert.ok(readFileSync(files.md, 'utf8').includes('Top-1 diagnosis accuracy'));
  assert.equal(JSON.parse(readFileSync(files.json, 'utf8')).totals.scenarios, 3);
  assert.equal(liveChildren(), 0, 'no QEMU left behind');
});
