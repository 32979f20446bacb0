// Real QEMU: the tiny guest boots to ready, and every fault of the catalogue that the tiny
// guest can show is detected with the outcome and finding the catalogue says it causes.
// The good boot runs first in the same home, so stall budgets are learned from it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadVmSpec, resolveAppConfig } from '../src/config/index.ts';
import { isBootmedicError } from '../src/core/index.ts';
import { loadCatalogue } from '../src/faults/index.ts';
import { createQemuHypervisor, liveChildren } from '../src/hypervisor/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { superviseVm, type BootOutcome } from '../src/supervisor/index.ts';
import { guestSource } from '../src/guest/index.ts';

const examples = fileURLToPath(new URL('../examples/', import.meta.url));
const home = mkdtempSync(join(tmpdir(), 'bm-faults-'));
const app = resolveAppConfig({ home });
const hypervisor = createQemuHypervisor(app, { guests: guestSource(app) });
let store: Store;

before(() => {
  store = openStore({ home });
});
after(() => {
  store.close();
  rmSync(home, { recursive: true, force: true });
});

async function boot(file: string): Promise<BootOutcome> {
  const [o] = await superviseVm(loadVmSpec(join(examples, file)), { hypervisor, home, store }, { mode: 'once' });
  assert.ok(o, `${file}: an outcome`);
  return o;
}

describe('tiny guest on real QEMU', { concurrency: 1 }, () => {
  test('a good boot reaches ready through kernel, initramfs and init', { timeout: 240_000 }, async () => {
    const o = await boot('tiny.yaml');
    assert.equal(o.status, 'ready', o.reason);
    assert.deepEqual(o.timeline.map((t) => t.phase).filter((p) => p !== 'firmware' && p !== 'bootloader'), ['kernel', 'initramfs', 'init', 'ready']);
    assert.ok(o.accel === 'kvm' || o.accel === 'tcg');
    assert.equal(o.findings.filter((f) => f.severity === 'fatal').length, 0);
    assert.ok(existsSync(o.consoleLog));
  });

  for (const fault of loadCatalogue().filter((f) => f.guests.includes('tiny'))) {
    const file = `faults/${fault.name}.yaml`;
    const want = fault.expected;
    test(`fault ${fault.name}: ${want.error ?? `${want.outcome} with a ${want.family} finding`}`, { timeout: 240_000, skip: existsSync(join(examples, file)) ? false : `${file} is missing` }, async () => {
      if (want.error !== undefined) {
        await assert.rejects(boot(file), (e) => isBootmedicError(e, want.error));
        return;
      }
      const o = await boot(file);
      assert.equal(o.status, want.outcome, `${fault.name}: ${o.reason}`);
      const families = o.findings.map((f) => f.family);
      assert.ok(families.includes(want.family), `${fault.name}: findings ${JSON.stringify(families)} lack ${want.family}`);
      if (want.finding !== undefined) assert.ok(o.findings.some((f) => f.id === want.finding), `${fault.name}: no finding ${want.finding} in ${o.findings.map((f) => f.id).join(', ')}`);
      if (want.qmpEvent !== undefined) assert.ok(o.qmpEvents.some((e) => e.event === want.qmpEvent), `${fault.name}: no QMP ${want.qmpEvent}`);
      if (want.outcome === 'failed' && o.cause === 'finding') assert.ok(o.evidence.length > 0, 'a failure names its evidence lines');
    });
  }

  test('no QEMU process is left behind', () => {
    assert.equal(liveChildren(), 0);
  });
});
