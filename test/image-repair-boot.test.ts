// REAL QEMU, SLOW: breaks the Debian guest (kernel deleted from the ESP, an fstab line for a
// device that does not exist) in a qcow2 overlay, repairs it with `repairImage --from` the
// built image, and proves the repair by one UEFI boot to the login prompt with no
// emergency mode, through bootmedic's own hypervisor and supervisor. Skips when the Debian image has not been built (bootmedic guest build debian).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveAppConfig } from '../src/config/index.ts';
import { guestSource, resolveDebianGuest } from '../src/guest/index.ts';
import { createQemuHypervisor } from '../src/hypervisor/index.ts';
import { inspectImage, openRegion, repairImage } from '../src/image/index.ts';
import { bootOnce, debianImageSpec } from '../testkit/index.ts';

const app = resolveAppConfig();
const guest = resolveDebianGuest(app, 'uefi');

/** Boots the qcow2 `disk` through bootmedic's hypervisor and supervisor until ready (the login prompt), a failure or a stall. */
async function bootToLogin(disk: string, timeoutMs: number): Promise<{ login: boolean; console: string; seconds: number }> {
  const hypervisor = createQemuHypervisor(app, { guests: guestSource(app) });
  const { outcome, console: bytes } = await bootOnce(debianImageSpec(disk, { firmware: 'uefi', format: 'qcow2', name: 'debian-repaired' }), { hypervisor, signal: AbortSignal.timeout(timeoutMs) });
  return { login: outcome.status === 'ready', console: bytes.toString('latin1'), seconds: outcome.durationMs / 1000 };
}

test('a deleted kernel and a dead fstab line: repair from the golden image, then the guest boots to login', { skip: guest === undefined ? 'the Debian guest is not built (bootmedic guest build debian)' : false, timeout: 15 * 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bootmedic-repair-boot-'));
  try {
    const ov = join(dir, 'disk.qcow2');
    assert.equal(spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', guest!.image, '-F', 'raw', ov]).status, 0);
    const { facts } = inspectImage(ov, { qemuImgCheck: false });
    const kernel = facts.grub!.entries[0]!.linux!;
    const esp = openRegion(ov, 'qcow2', facts.esp!.offset, facts.esp!.size);
    try {
      assert.equal(spawnSync('mdel', ['-i', `${esp.path}@@0`, `::${kernel}`]).status, 0);
      esp.commit();
    } finally {
      esp.dispose();
    }
    const root = openRegion(ov, 'qcow2', facts.root!.offset, facts.root!.size);
    try {
      const tmp = join(dir, 'fstab');
      writeFileSync(tmp, `${facts.fstabText}UUID=11111111-2222-3333-4444-555555555555 /srv/data ext4 defaults 0 2\n`);
      assert.equal(spawnSync('debugfs', ['-w', '-f', '-', root.path], { input: `rm /etc/fstab\nwrite ${tmp} /etc/fstab\n` }).status, 0);
      root.commit();
    } finally {
      root.dispose();
    }
    const broken = inspectImage(ov, { qemuImgCheck: false }).report;
    assert.deepEqual(broken.checks.filter((c) => c.status === 'problem').map((c) => c.name), ['boot.kernel', 'fstab.devices']);

    const t0 = Date.now();
    const r = repairImage(ov, { from: guest!.image });
    t.diagnostic(`repair took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    assert.equal(r.ok, true, JSON.stringify(r.unrepaired));
    assert.deepEqual(r.repairs.map((a) => a.id), ['restore-boot-files', 'fix-fstab']);

    const boot = await bootToLogin(ov, 10 * 60_000);
    t.diagnostic(`boot to login took ${boot.seconds.toFixed(1)} s`);
    assert.equal(boot.login, true, `no login prompt after ${boot.seconds} s; console tail:\n${boot.console.slice(-2000)}`);
    assert.doesNotMatch(boot.console, /emergency mode|Dependency failed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
