// Every console in ../shared/corpus/real-boot-failures (real QEMU boots of a Debian
// guest, described in its INDEX.md) must yield the right finding; good boots none.
// The expectations below are read from INDEX.md's description of each injected fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath, skipWithout } from '../../testkit/index.ts';
import { analyzeLog, isFailure, stopsBoot } from './index.ts';
import type { BootPhase, Component } from './index.ts';

const dir = sharedPath('corpus', 'real-boot-failures');
const skip = skipWithout(dir, 'corpus/real-boot-failures');

type Expect = { family: string; component: Component; phase: BootPhase; id?: string; title?: RegExp; also?: { id: string; title: RegExp } };
// The decisive finding: the first one that stops the boot.
const FAULTS: Record<string, Expect> = {
  'root-uuid-nonexistent.log': { family: 'root-mount', component: 'initramfs', phase: 'initramfs', id: 'initramfs.gave-up-waiting-for-root' },
  'root-uuid-nonexistent-with-panic-param.log': { family: 'root-mount', component: 'initramfs', phase: 'initramfs', id: 'initramfs.gave-up-waiting-for-root' },
  'root-ext4-superblock-zeroed.log': { family: 'root-mount', component: 'initramfs', phase: 'initramfs', also: { id: 'initramfs.alert-does-not-exist', title: /UUID=6a1f0c2e/ } },
  'fstab-missing-device.log': { family: 'systemd-emergency', component: 'init', phase: 'init', id: 'systemd.emergency-mode' },
  'fstab-bad-mount-option.log': { family: 'systemd-emergency', component: 'init', phase: 'init', id: 'systemd.emergency-mode' },
  'initrd-truncated.log': { family: 'kernel-panic', component: 'kernel', phase: 'init', id: 'kernel.panic.no-init' },
  'grub-kernel-file-missing.log': { family: 'grub', component: 'bootloader', phase: 'bootloader', id: 'grub.fallback-failed' },
  'grub-cfg-syntax-error.log': { family: 'grub', component: 'bootloader', phase: 'bootloader', id: 'grub.shell-prompt' },
  'grub-wrong-prefix-module-not-found.log': { family: 'grub', component: 'bootloader', phase: 'bootloader', id: 'grub.shell-prompt' },
  'gpt-wiped.log': { family: 'firmware', component: 'firmware', phase: 'firmware', id: 'firmware.ovmf.efi-shell-started' },
  'gpt-primary-and-mbr-wiped.log': { family: 'firmware', component: 'firmware', phase: 'firmware', id: 'firmware.ovmf.efi-shell-started' },
  'gpt-wiped-no-nic.log': { family: 'firmware', component: 'firmware', phase: 'firmware', id: 'firmware.ovmf.efi-shell-started' },
  'ram-48m-firmware.log': { family: 'firmware', component: 'firmware', phase: 'firmware', id: 'firmware.ovmf.no-bootable-option' },
  'ram-128m-grub-out-of-memory.log': { family: 'grub', component: 'bootloader', phase: 'bootloader', id: 'grub.fallback-failed' },
  'ram-128m-kernel-oom-direct-boot.log': { family: 'oom', component: 'kernel', phase: 'initramfs', id: 'oom.no-killable' },
  'init-false-panic-hang.log': { family: 'kernel-panic', component: 'kernel', phase: 'initramfs', id: 'kernel.panic.kill-init' },
  'init-false-panic-reboot.log': { family: 'kernel-panic', component: 'kernel', phase: 'initramfs', id: 'kernel.panic.kill-init' },
  'root-ext4-fsck-failure.log': { family: 'fsck', component: 'storage', phase: 'initramfs', id: 'fsck.unexpected-inconsistency' },
  'sysrq-crash-late-unit.log': { family: 'kernel-panic', component: 'kernel', phase: 'ready', id: 'kernel.panic.sysrq' },
  'sysrq-crash-late-unit-pvpanic.log': { family: 'kernel-panic', component: 'kernel', phase: 'ready', id: 'kernel.panic.sysrq' },
  'tiny-sysrq-crash-pvpanic.log': { family: 'kernel-panic', component: 'kernel', phase: 'init', id: 'kernel.panic.sysrq' },
  'tiny-vfs-unable-to-mount-root.log': { family: 'kernel-panic', component: 'kernel', phase: 'kernel', id: 'kernel.panic.vfs-root' },
  'tiny-vfs-unable-to-mount-root-hang.log': { family: 'kernel-panic', component: 'kernel', phase: 'kernel', id: 'kernel.panic.vfs-root' },
  'init-sleep-hang.log': { family: 'incomplete-boot', component: 'initramfs', phase: 'initramfs', id: 'incomplete-boot', title: /init-bottom/ },
};
const GOOD = ['good-boot-uefi.log', 'good-boot-bios.log', 'tiny-busybox-good.log'];

for (const [file, want] of Object.entries(FAULTS)) {
  test(`real boot ${file}: ${want.id ?? want.family} in ${want.phase}`, { skip }, () => {
    const r = analyzeLog(readFileSync(join(dir!, file)));
    const decisive = r.findings.find(stopsBoot);
    assert.ok(decisive, `no boot-stopping finding in ${file}`);
    assert.equal(decisive.family, want.family);
    assert.equal(decisive.component, want.component);
    assert.equal(decisive.phase, want.phase);
    if (want.id !== undefined) assert.equal(decisive.id, want.id);
    if (want.title !== undefined) assert.match(decisive.title, want.title);
    if (want.also !== undefined) assert.match(r.findings.find((f) => f.id === want.also!.id)?.title ?? '', want.also.title);
    assert.ok(decisive.evidence.length > 0 && decisive.evidence[0]!.line > 0);
  });
}

for (const file of GOOD) {
  test(`good boot ${file} yields no failure finding and reaches ready`, { skip }, () => {
    const r = analyzeLog(readFileSync(join(dir!, file)));
    assert.deepEqual(r.findings.filter(isFailure).map((f) => f.title), []);
    assert.equal(r.lastPhase, 'ready');
  });
}

test('the good UEFI boot walks every phase in order', { skip }, () => {
  const r = analyzeLog(readFileSync(join(dir!, 'good-boot-uefi.log')));
  const phases = r.findings.filter((f) => f.family === 'progress').map((f) => f.phase);
  assert.deepEqual(phases, ['bootloader', 'kernel', 'initramfs', 'init', 'ready']);
});

test('the emergency prompt of fstab-missing-device is seen live, before its newline', { skip }, () => {
  const r = analyzeLog(readFileSync(join(dir!, 'fstab-missing-device.log')));
  const ids = r.findings.map((f) => f.id);
  assert.ok(ids.includes('systemd.timed-out-device'));
  assert.ok(ids.includes('systemd.dependency-failed'));
  assert.ok(ids.includes('systemd.maintenance-prompt'));
});

test('the QMP transcript decodes to guest-panicked findings', { skip: skipWithout(dir, 'corpus/real-boot-failures') }, async () => {
  const { findingsFromQmpPanic } = await import('./index.ts');
  const events = readFileSync(join(dir!, 'qmp-guest-panicked.jsonl'), 'utf8').split('\n').filter((l) => l.includes('GUEST_PANICKED'));
  assert.ok(events.length > 0);
  for (const l of events) {
    const msg = (JSON.parse(l) as { msg: { event?: string; data?: Record<string, unknown> } }).msg;
    if (msg.event !== 'GUEST_PANICKED') continue;
    const [f] = findingsFromQmpPanic(msg.data ?? {});
    assert.equal(f?.family, 'kernel-panic');
    assert.equal(f?.stopsBoot, true);
  }
});
