import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedPath, skipWithout } from '../../testkit/index.ts';
import { analyzeLog } from '../signatures/index.ts';
import { diagnose, evidenceFromAnalysis, type CauseId } from './index.ts';

// The labelled consoles of ../shared/corpus/real-boot-failures (INDEX.md says how each
// fault was injected). Console text alone cannot tell some causes apart (a wrong root
// UUID and a zeroed superblock print the same lines), so a label may accept two causes;
// the first is the ground truth. What changed since the last good boot, which the live
// supervisor supplies, separates them (see diagnose.test.ts).
const dir = sharedPath('corpus', 'real-boot-failures');
const LABELS: Record<string, CauseId[]> = {
  'fstab-bad-mount-option.log': ['guest-userspace'],
  'fstab-missing-device.log': ['guest-userspace'],
  'grub-cfg-syntax-error.log': ['bootloader-config'],
  'grub-kernel-file-missing.log': ['kernel-missing'],
  'grub-wrong-prefix-module-not-found.log': ['bootloader-config'],
  'init-false-panic-hang.log': ['wrong-cmdline', 'guest-userspace'],
  'init-false-panic-reboot.log': ['wrong-cmdline', 'guest-userspace'],
  'init-sleep-hang.log': ['wrong-cmdline', 'guest-userspace'],
  'initrd-truncated.log': ['initramfs-corrupt'],
  'ram-128m-grub-out-of-memory.log': ['insufficient-memory'],
  'ram-128m-kernel-oom-direct-boot.log': ['insufficient-memory'],
  'root-ext4-fsck-failure.log': ['rootfs-corrupt'],
  'root-ext4-superblock-zeroed.log': ['rootfs-corrupt', 'root-device-missing'],
  'root-uuid-nonexistent.log': ['root-device-missing'],
  'root-uuid-nonexistent-with-panic-param.log': ['root-device-missing'],
  'sysrq-crash-late-unit.log': ['guest-kernel-bug'],
  'sysrq-crash-late-unit-pvpanic.log': ['guest-kernel-bug'],
  'tiny-sysrq-crash-pvpanic.log': ['guest-kernel-bug'],
  'tiny-vfs-unable-to-mount-root.log': ['wrong-cmdline', 'root-device-missing'],
  'tiny-vfs-unable-to-mount-root-hang.log': ['wrong-cmdline', 'root-device-missing'],
};

test('real failed consoles: the top cause is the labelled one (or its console twin)', { skip: skipWithout(dir, 'corpus/real-boot-failures') }, () => {
  const misses: string[] = [];
  for (const [file, accepted] of Object.entries(LABELS)) {
    const d = diagnose(evidenceFromAnalysis(analyzeLog(readFileSync(join(dir!, file)))));
    const top = d.causes[0]!.cause;
    if (!accepted.includes(top)) misses.push(`${file}: got ${top}, want ${accepted.join(' or ')}`);
    // The true cause is always among the top three, however ambiguous the console.
    assert.ok(d.causes.slice(0, 3).some((c) => c.cause === accepted[0]), `${file}: ${accepted[0]} not in the top three`);
  }
  assert.deepEqual(misses, []);
});

test('a too-small VM is named once its memory size is part of the evidence', { skip: skipWithout(dir, 'corpus/real-boot-failures') }, () => {
  const ev = evidenceFromAnalysis(analyzeLog(readFileSync(join(dir!, 'ram-48m-firmware.log'))));
  assert.notEqual(diagnose(ev).causes[0]!.cause, 'insufficient-memory', 'the console alone only says the firmware found nothing to boot');
  assert.equal(diagnose({ ...ev, memoryMiB: 48 }).causes[0]!.cause, 'insufficient-memory');
});
