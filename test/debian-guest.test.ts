// REAL QEMU, SLOW: builds the Debian 12 guest image once into the shared cache (minutes
// the first time, seconds when cached) and boots it once under UEFI to the login prompt.
// The boot test runs only when the build succeeded: on a machine that cannot build the
// image (not root, no debootstrap, no QEMU or OVMF) both tests skip and say why.
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveAppConfig } from '../src/config/index.ts';
import { isBootmedicError } from '../src/core/index.ts';
import { buildDebianGuest, DEBIAN_PHASES, OVMF_BIOS_PATH, phaseOffsets, probeBoot, type DebianGuest } from '../src/guest/debian/index.ts';

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
  if (!existsSync(OVMF_BIOS_PATH)) {
    t.skip(`${OVMF_BIOS_PATH} is absent (install the ovmf package)`);
    return;
  }
  // Generous: about 25 s alone on 2 cores under TCG, much more on a busy machine.
  const r = await probeBoot({ image: guest.image, firmware: 'uefi', timeoutMs: 8 * 60_000 });
  const text = r.console.toString('latin1');
  assert.ok(r.reachedLogin, `no login prompt; phases seen: ${r.marks.map((m) => m.phase).join(', ') || 'none'}; console tail: ${JSON.stringify(text.slice(-600))}`);
  // Order by position in the console, not by arrival time (one chunk can hold two phases).
  const at = phaseOffsets(r.console);
  const seen = DEBIAN_PHASES.filter((p) => at[p] !== undefined);
  assert.deepEqual(seen, [...DEBIAN_PHASES], 'every phase shows on the console');
  const order = [...DEBIAN_PHASES].sort((a, b) => (at[a] ?? 0) - (at[b] ?? 0));
  assert.deepEqual(order, [...DEBIAN_PHASES], 'the phases appear in boot order');
  assert.ok(text.includes(`Linux version ${guest.kernelVersion.split('-')[0]}`), 'the kernel is the one built into the image');
  assert.ok(text.includes(`root=UUID=${guest.rootUuid}`), 'the kernel command line names the root UUID');
  assert.match(text, new RegExp(`${guest.hostname} login: `), 'getty greets with the guest hostname');
});
