// REAL QEMU, SLOW (four UEFI boots of the Debian guest, 25 s each idle, up to minutes on a
// loaded machine): two faults of the catalogue are injected into qcow2 overlays of the
// cached Debian image, and each goes through bootmedic's own supervisor:
//   fstab bad mount option → emergency mode → repairImage --from golden → ready (login);
//   kernel deleted from the ESP → GRUB error → repairImage --from golden → ready.
// Skips when the Debian image has not been built (`bootmedic guest build debian`).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveAppConfig, type VmSpec } from '../src/config/index.ts';
import { getFault, injectFault } from '../src/faults/index.ts';
import { guestSource, resolveDebianGuest } from '../src/guest/index.ts';
import { createQemuHypervisor, liveChildren } from '../src/hypervisor/index.ts';
import { repairImage } from '../src/image/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { superviseVm, type BootOutcome } from '../src/supervisor/index.ts';
import { exampleSpec } from '../testkit/index.ts';

const home = mkdtempSync(join(tmpdir(), 'bm-debian-heal-'));
// The home is private to this test; the cache (where the built image lives) is the usual one.
const app = resolveAppConfig({ home });
const guest = resolveDebianGuest(app, 'uefi');
const skip = guest === undefined ? `the Debian UEFI guest is not built in ${app.cache} (run 'bootmedic guest build debian')` : false;
const hypervisor = createQemuHypervisor(app, { guests: guestSource(app) });
let store: Store | undefined;
after(() => {
  store?.close();
  rmSync(home, { recursive: true, force: true });
});

/** examples/debian.yaml with a stall budget that a loaded 2-core TCG host does not trip. */
const debianSpec = (): VmSpec => exampleSpec('debian.yaml', home, { stallSeconds: 300, source: 'debian-heal' });

async function boot(spec: VmSpec): Promise<BootOutcome> {
  const [o] = await superviseVm(spec, { hypervisor, home, ...(store ? { store } : {}) }, { mode: 'once' });
  assert.ok(o, `${spec.name}: an outcome`);
  return o;
}

/** Inject → boot (fails with `family`) → repair the overlay from the golden image → boot (ready). */
async function heal(faultName: string, family: string): Promise<void> {
  const fault = getFault(faultName);
  const { spec, note } = await injectFault(debianSpec(), fault, join(home, faultName), app);
  const overlay = spec.disks[0]!.path;
  assert.notEqual(overlay, guest!.image, `${note}: the fault must damage an overlay, not the base image`);

  const bad = await boot(spec);
  const families = bad.findings.map((f) => f.family);
  assert.equal(bad.status, 'failed', `${faultName}: ${bad.reason}; findings ${families.join(', ')}`);
  assert.ok(families.includes(family), `${faultName}: findings ${JSON.stringify(families)} lack ${family}`);
  assert.equal(liveChildren(), 0, 'the failed boot left QEMU running');

  const r = repairImage(overlay, { from: guest!.image, snapshotDir: join(home, faultName, 'snapshots') });
  assert.ok(r.ok, `${faultName}: repair left ${r.unrepaired.map((u) => u.check).join(', ')}`);
  assert.ok(r.repairs.length > 0, `${faultName}: no repair ran`);

  const good = await boot(spec);
  assert.equal(good.status, 'ready', `${faultName} after repair: ${good.reason}; findings ${good.findings.map((f) => f.id).join(', ')}`);
  assert.equal(good.findings.filter((f) => f.family === family).length, 0, `${faultName}: the repaired boot still shows ${family}`);
}

describe('debian guest: fault → failed boot → image repair → ready', { concurrency: 1, skip }, () => {
  before(() => {
    store = openStore({ home });
  });

  test('fstab bad mount option: emergency mode, then ready after fix-fstab', { timeout: 15 * 60_000 }, async () => {
    await heal('debian-fstab-bad-option', 'systemd-emergency');
  });

  test('kernel deleted from the ESP: GRUB error, then ready after the boot files are restored', { timeout: 15 * 60_000 }, async () => {
    await heal('debian-grub-kernel-file-missing', 'grub');
  });
});
