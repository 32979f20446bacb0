// REAL QEMU, SLOW: breaks the Debian guest (kernel deleted from the ESP, an fstab line for a
// device that does not exist) in a qcow2 overlay, repairs it with `repairImage --from` the
// built image, and proves the repair by one UEFI boot to the login prompt with no
// emergency mode. Skips when the Debian image has not been built (bootmedic guest build debian).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveAppConfig } from '../src/config/index.ts';
import { debianQemuArgs, resolveDebianGuest } from '../src/guest/debian/index.ts';
import { inspectImage, repairImage } from '../src/image/index.ts';
import { openRegion } from '../src/image/region.ts';

const guest = resolveDebianGuest(resolveAppConfig(), 'uefi');

/** Boots `disk` until the login prompt, a known failure, or the timeout; always reaps QEMU. */
function bootToLogin(disk: string, timeoutMs: number): Promise<{ login: boolean; console: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const q = spawn('qemu-system-x86_64', debianQemuArgs({ disk, firmware: 'uefi' }), { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const finish = (login: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      q.kill('SIGKILL');
      resolve({ login, console: out, seconds: (Date.now() - t0) / 1000 });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    q.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (/^\S+ login: /m.test(out.replace(/\r/g, '\n'))) finish(true);
      else if (/emergency mode|Kernel panic|you need to load the kernel first|\(initramfs\) /.test(out)) finish(false);
    });
    q.on('error', (e) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(e);
      }
    });
    q.on('exit', () => finish(false));
  });
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
