// REAL QEMU, SLOW: builds the Debian 12 guest image once into the shared cache (minutes
// the first time, seconds when cached) and boots it once under UEFI to the login prompt,
// through bootmedic's own hypervisor and supervisor like every other VM.
// The boot test runs only when the build succeeded: on a machine that cannot build the
// image (not root, no debootstrap, no QEMU or OVMF) both tests skip and say why.
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveAppConfig } from '../src/config/index.ts';
import { BOOT_PHASES, isBootmedicError } from '../src/core/index.ts';
import { buildDebianGuest, guestSource, OVMF_4M, type DebianGuest } from '../src/guest/index.ts';
import { createQemuHypervisor, liveChildren } from '../src/hypervisor/index.ts';
import { bootOnce, debianImageSpec } from '../testkit/index.ts';

const app = resolveAppConfig();
let guest: DebianGuest | undefined;
let buildSkip = '';

function hostCannotBuild(e: unknown): string | undefined {
  if (isBootmedicError(e, 'GUEST_DEBIAN_NEEDS_ROOT') || isBootmedicError(e, 'GUEST_DEBIAN_TOOL_MISSING') || isBootmedicError(e, 'TOOL_MISSING')) return (e as Error).message;
  return undefined;
}

test('debian guest: builds (or finds cached) a UEFI image with GPT, ESP and ext4 root', { timeout: 30 * 60_000 }, async (t) => {
  try {
    guest = await buildDebianGuest({ app, firmware: 'uefi' });
  } catch (e) {
    const why = hostCannotBuild(e);
    if (why === undefined) throw e;
    buildSkip = `this host cannot build the Debian image: ${why}`;
    t.skip(buildSkip);
    return;
  }
  assert.ok(existsSync(guest.image), 'the image file exists');
  assert.match(guest.image, /debian-[0-9a-f]{16}\.img$/, 'the image name carries its content address');
  assert.equal(guest.partitions.length, 2);
  assert.match(guest.rootUuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.match(guest.espUuid, /^[0-9A-F]{4}-[0-9A-F]{4}$/);
  assert.match(guest.kernelVersion, /^\d+\.\d+\.\d+-\d+-amd64$/);
  assert.ok(guest.artefacts['/EFI/BOOT/BOOTX64.EFI'], 'BOOTX64.EFI is on the ESP');
  assert.ok(guest.packages.some((p) => p.startsWith('systemd-sysv ')), 'systemd-sysv is installed');
  // A second call is a cache hit: same image, same digest, no rebuild.
  const again = await buildDebianGuest({ app, firmware: 'uefi' });
  assert.equal(again.image, guest.image);
  assert.equal(again.sha256, guest.sha256);
});

test('debian guest: boots under UEFI through firmware → GRUB → kernel → initramfs → systemd → login', { timeout: 10 * 60_000 }, async (t) => {
  if (guest === undefined) {
    t.skip(buildSkip || 'the image build did not succeed (see the test above)');
    return;
  }
  const missing = [OVMF_4M.code, OVMF_4M.vars].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    t.skip(`${missing.join(', ')} absent (install the ovmf package)`);
    return;
  }
  // Generous: about 25 s alone on 2 cores under TCG, much more on a busy machine.
  const hypervisor = createQemuHypervisor(app, { guests: guestSource(app) });
  const { outcome: o, console: bytes } = await bootOnce(debianImageSpec(guest.image, { firmware: 'uefi' }), { hypervisor, signal: AbortSignal.timeout(8 * 60_000) });
  const text = bytes.toString('latin1');
  const phases = o.timeline.map((x) => x.phase);
  assert.equal(o.status, 'ready', `${o.reason}; phases seen: ${phases.join(', ')}; console tail: ${JSON.stringify(text.slice(-600))}`);
  assert.equal(liveChildren(), 0, 'the boot left QEMU running');
  // The phase tracker only moves forward, so the timeline is in boot order.
  assert.deepEqual(phases, [...BOOT_PHASES], 'every phase shows on the console, in boot order');
  assert.match(text, /BdsDxe:/, 'OVMF printed on the serial console');
  assert.ok(text.includes(`Linux version ${guest.kernelVersion.split('-')[0]}`), 'the kernel is the one built into the image');
  assert.ok(text.includes(`root=UUID=${guest.rootUuid}`), 'the kernel command line names the root UUID');
  // "login:" without its space: readiness may stop the VM before getty's last byte arrives.
  assert.match(text, new RegExp(`${guest.hostname} login:`), 'getty greets with the guest hostname');
});
