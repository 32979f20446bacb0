// REAL QEMU, SLOW (two UEFI boots through bootmedic's own supervisor, with OVMF's
// secure-boot build, Microsoft's keys enrolled, SMM on; about 40 s and 15 s under TCG on an
// idle 2-core host, longer on a loaded one):
//   the signed image (shim → signed GRUB → signed kernel) reaches the login prompt and the
//   kernel reports Secure Boot on;
//   the plain image (grub-mkstandalone, unsigned) is refused by the firmware, and the
//   signatures name it a Secure Boot rejection;
//   the debian-sb-tampered-grub fault (one byte of grubx64.efi flipped in an overlay) is
//   refused by shim, and repairImage --from the signed image (restore-loaders, found by
//   comparing the ESP's EFI executables with the golden's) makes it boot to ready again.
// Skips when the Secure Boot image is not built (`bootmedic guest build debian
// --secure-boot`); `npm test` (scripts/run-tests.ts) builds it before the tests run.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveAppConfig, type VmSpec } from '../src/config/index.ts';
import { getFault, injectFault } from '../src/faults/index.ts';
import { guestSource, OVMF_SECURE_BOOT, resolveDebianGuest } from '../src/guest/index.ts';
import { createQemuHypervisor, liveChildren } from '../src/hypervisor/index.ts';
import { inspectImage, offeredRepairs, repairImage } from '../src/image/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { superviseVm, type BootOutcome } from '../src/supervisor/index.ts';
import { exampleSpec } from '../testkit/index.ts';

const home = mkdtempSync(join(tmpdir(), 'bm-debian-sb-'));
// The home is private to this test; the cache (where the built images live) is the usual one.
const app = resolveAppConfig({ home });
const signed = resolveDebianGuest(app, 'uefi', { secureBoot: true });
const plain = resolveDebianGuest(app, 'uefi');
const FIRMWARE = [OVMF_SECURE_BOOT.code, OVMF_SECURE_BOOT.vars];
const missingFirmware = FIRMWARE.filter((f) => !existsSync(f));
const skip =
  signed === undefined
    ? `the Debian Secure Boot image is not built in ${app.cache} (run 'bootmedic guest build debian --secure-boot')`
    : missingFirmware.length > 0
      ? `OVMF's Secure Boot files are absent: ${missingFirmware.join(', ')} (install the ovmf package)`
      : false;
const hypervisor = createQemuHypervisor(app, { guests: guestSource(app) });
let store: Store | undefined;
after(() => {
  store?.close();
  rmSync(home, { recursive: true, force: true });
});

/** examples/debian-secureboot.yaml with a stall budget that a loaded 2-core TCG host does not trip, plus `over`. */
function secureSpec(over: Record<string, unknown> = {}): VmSpec {
  return exampleSpec('debian-secureboot.yaml', home, { stallSeconds: 300, over, source: 'debian-secureboot test' });
}

async function boot(spec: VmSpec): Promise<{ o: BootOutcome; text: string }> {
  const [o] = await superviseVm(spec, { hypervisor, home, ...(store ? { store } : {}) }, { mode: 'once' });
  assert.ok(o, `${spec.name}: an outcome`);
  assert.equal(liveChildren(), 0, 'the boot left QEMU running');
  return { o, text: readFileSync(o.consoleLog, 'latin1') };
}

describe('debian guest under UEFI Secure Boot', { concurrency: 1, skip }, () => {
  before(() => {
    store = openStore({ home });
  });

  test('the signed image boots to login with Secure Boot enforced', { timeout: 10 * 60_000 }, async () => {
    const { o, text } = await boot(secureSpec());
    assert.equal(o.status, 'ready', `${o.reason}; findings ${o.findings.map((f) => f.id).join(', ')}`);
    assert.match(text, /EFI stub: UEFI Secure Boot is enabled\./, 'the kernel EFI stub saw Secure Boot on');
    assert.match(text, /secureboot: Secure boot enabled/, 'the kernel reports Secure Boot');
    assert.match(text, /Kernel is locked down from EFI Secure Boot/, 'and locked itself down');
    assert.doesNotMatch(text, /Access Denied|Security Violation/, 'nothing was refused on the way');
    assert.equal(o.findings.filter((f) => f.family === 'secure-boot').length, 0);
  });

  test('the plain image (unsigned grub-mkstandalone) is refused by the firmware', { skip: plain === undefined ? "the plain Debian UEFI image is not built (run 'bootmedic guest build debian')" : false, timeout: 10 * 60_000 }, async () => {
    const { o, text } = await boot(secureSpec({ name: 'debian-unsigned-sb', guest: undefined, disks: [{ path: plain!.image, format: 'raw' }] }));
    assert.equal(o.status, 'failed', o.reason);
    // Debian 12's OVMF prints the bare status; newer OVMF adds " -- rejected probably by Secure Boot".
    assert.match(text, /BdsDxe: failed to load Boot\d{4} "UEFI Misc Device" from PciRoot\([^)]*\)\/Pci\([^)]*\): Access Denied/);
    assert.doesNotMatch(text, /Welcome to GRUB|Linux version/, 'nothing after the firmware ran');
    const denied = o.findings.find((f) => f.id === 'firmware.ovmf.secure-boot-denied');
    assert.ok(denied, `no Secure Boot finding in ${o.findings.map((f) => f.id).join(', ')}`);
    assert.equal(denied.family, 'secure-boot');
    assert.equal(denied.component, 'firmware');
    assert.match(denied.title, /Secure Boot rejected Boot\d{4} "UEFI Misc Device"/);
  });

  test('a tampered grubx64.efi: shim refuses it; restore-loaders from the signed image makes it boot to ready', { timeout: 10 * 60_000 }, async () => {
    const work = join(home, 'tampered');
    const { spec, note } = await injectFault(secureSpec(), getFault('debian-sb-tampered-grub'), work, app);
    const overlay = spec.disks[0]!.path;
    assert.notEqual(overlay, signed!.image, `${note}: the fault must damage an overlay`);
    assert.equal(spec.secureBoot, true);

    const bad = await boot(spec);
    assert.equal(bad.o.status, 'failed', bad.o.reason);
    assert.ok(bad.o.findings.some((f) => f.id === 'shim.security-violation'), `findings ${bad.o.findings.map((f) => f.id).join(', ')}`);

    // Inspection of the overlay alone finds nothing; against the signed image, grubx64.efi differs.
    assert.equal(inspectImage(overlay, { qemuImgCheck: false }).report.ok, true);
    const digests = inspectImage(overlay, { qemuImgCheck: false, from: signed!.image }).report.checks.filter((c) => c.status === 'problem');
    assert.deepEqual(digests.map((c) => c.name), ['esp.loader-digests']);
    assert.match(digests[0]!.evidence, /^EFI\/BOOT\/grubx64\.efi: sha256 [0-9a-f]{64}, golden [0-9a-f]{64}$/);
    assert.ok(offeredRepairs(overlay, { from: signed!.image }).includes('restore-boot-artefacts'));

    const r = repairImage(overlay, { from: signed!.image, snapshotDir: join(work, 'snapshots') });
    assert.ok(r.ok, `repair left ${r.unrepaired.map((u) => u.check).join(', ')}`);
    assert.deepEqual(r.repairs.map((a) => a.id), ['restore-loaders']);
    assert.equal(r.snapshots.length, 1);

    const { o, text } = await boot(spec);
    assert.equal(o.status, 'ready', `after repair: ${o.reason}; findings ${o.findings.map((f) => f.id).join(', ')}`);
    assert.match(text, /secureboot: Secure boot enabled/, 'Secure Boot is still on');
    assert.equal(o.findings.filter((f) => f.family === 'secure-boot').length, 0);
  });
});
