// REAL libvirtd with the REAL Debian UEFI image, SLOW (two or three Debian boots under TCG:
// 25-40 s each on an idle 2-core host, minutes on a loaded one). A Debian domain whose
// /etc/fstab carries an unknown mount option (the catalogue's debian-fstab-bad-option) is
// booted by bootmedic through libvirt, fails into emergency mode, is diagnosed, and is
// repaired from its golden image by the libvirt backend: the domain destroyed, its disk
// snapshotted first (a copy, since a golden restore replaces the qcow2 file and its internal
// snapshots with it), the golden image copied back, and the next start reaching ready.
// Skips when the Debian image has not been built (`bootmedic guest build debian`).
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseVmSpec, resolveAppConfig } from '../src/config/index.ts';
import { runToolSync } from '../src/core/index.ts';
import { applyImageOp, createDiskOverlay } from '../src/faults/index.ts';
import { OVMF_4M, OVMF_SECURE_BOOT, resolveDebianGuest } from '../src/guest/index.ts';
import { drillDomainXml, libvirtStateDir, OPT_IN_METADATA, openDomainHealTarget } from '../src/libvirt/index.ts';
import { healBoot, openIncidents } from '../src/recovery/index.ts';
import { openStore } from '../src/store/index.ts';
import { LIBVIRT_TEST_ROOT, useLibvirtd } from '../testkit/index.ts';

const lv = useLibvirtd();
const guest = resolveDebianGuest(resolveAppConfig(), 'uefi');
const skip = lv.skip !== false ? lv.skip : guest === undefined ? "the Debian UEFI image is not built (run 'bootmedic guest build debian', 8-10 min once); skipping the libvirt Debian heal test" : false;
const URI = 'qemu:///system';
const virsh = (args: string[], check = true) => runToolSync('virsh', ['-c', URI, ...args], { check, timeoutMs: 120_000 }).stdout;

async function sha(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

// Watching settings in the domain's own metadata: a login prompt is ready, and a loaded
// 2-core TCG host gets long stall budgets (the kernel alone took two minutes at load 8).
const METADATA = `<bootmedic:domain xmlns:bootmedic="https://bootmedic.dev/xmlns/1"><bootmedic:heal>true</bootmedic:heal><bootmedic:ready login="true"/><bootmedic:stall default-seconds="600" floor-seconds="120"/></bootmedic:domain>`;

test('a Debian domain with a broken fstab is diagnosed, snapshotted, restored from its golden image and reaches ready', { skip, timeout: 40 * 60_000 }, async (t) => {
  const name = `bmtest-${randomBytes(3).toString('hex')}-debian-fstab`;
  const dir = join(LIBVIRT_TEST_ROOT, name);
  const home = mkdtempSync(join(tmpdir(), 'bm-lvdebian-'));
  mkdirSync(dir, { recursive: true });
  for (const d of [LIBVIRT_TEST_ROOT, dir]) chmodSync(d, 0o755);
  const store = openStore({ home });
  const inc = openIncidents(home);
  t.after(() => {
    // Only our own domain, by its exact name.
    if (virsh(['domstate', name], false).trim() === 'running') virsh(['destroy', name], false);
    virsh(['undefine', name, '--snapshots-metadata', '--nvram'], false);
    inc.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  // The golden image (a qcow2 copy of the built image, where libvirt's QEMU user can read it)
  // and the domain's disk: an overlay on it with the fault injected.
  const golden = join(dir, 'golden.qcow2');
  runToolSync('qemu-img', ['convert', '-q', '-f', guest!.format, '-O', 'qcow2', guest!.image, golden], { timeoutMs: 600_000 });
  const disk = join(dir, 'disk.qcow2');
  createDiskOverlay(golden, 'qcow2', disk);
  applyImageOp(disk, 'qcow2', { op: 'fstab-bad-option', value: 'bogusopt' });
  // bootmedic's golden copy of the disk, by the disk's file name.
  const goldenDir = join(home, 'vms', name, 'golden');
  mkdirSync(goldenDir, { recursive: true });
  try {
    linkSync(golden, join(goldenDir, 'disk.qcow2'));
  } catch {
    copyFileSync(golden, join(goldenDir, 'disk.qcow2'));
  }

  const spec = parseVmSpec({ name, firmware: 'uefi', memoryMiB: 1024, cpus: 1, disks: [{ path: disk, format: 'qcow2' }], ready: { type: 'login' } }, 'test domain', '/');
  const nvram = join(dir, 'nvram.fd');
  copyFileSync(OVMF_4M.vars, nvram);
  const xml = drillDomainXml(spec, { uuid: randomUUID(), serialLog: join(dir, 'serial.log'), nvram, firmware: { uefi: OVMF_4M, secureBoot: OVMF_SECURE_BOOT } }).replace(OPT_IN_METADATA, METADATA);
  writeFileSync(join(dir, 'domain.xml'), xml, { mode: 0o644 });
  virsh(['define', join(dir, 'domain.xml')]);

  const h = await openDomainHealTarget({ uri: URI, domain: name, app: resolveAppConfig({ home }), deps: { home, store } });
  try {
    const first = await h.target.boot();
    const families = first.findings.map((f) => f.family);
    assert.equal(first.status, 'failed', `the broken fstab: ${first.reason}; findings ${families.join(', ')}`);
    assert.ok(families.includes('systemd-emergency'), `findings ${JSON.stringify(families)} lack systemd-emergency`);
    assert.equal(virsh(['domstate', name]).trim(), 'shut off', 'the failed run was destroyed');
    const damaged = await sha(disk);

    const healed = await healBoot({ target: h.target, outcome: first, deps: { home, store, hypervisor: h.hypervisor }, incidents: inc.incidents });
    assert.equal(healed.diagnosis?.causes[0]?.cause, 'guest-userspace', `top cause ${healed.diagnosis?.causes[0]?.cause}`);
    assert.equal(healed.result.outcome, 'recovered', JSON.stringify(healed.result.steps));
    assert.equal(healed.result.fixedBy, 'restore-golden-disk', `steps ${healed.result.steps.map((s) => `${s.remedy}: ${s.outcome}`).join(', ')}`);

    // The snapshot came first: a copy that holds the disk byte for byte as the failed boot
    // left it, which no copy made after the golden image replaced it could.
    const state = libvirtStateDir(home, name);
    const copies = readdirSync(state).filter((f) => f.startsWith('bootmedic-before-'));
    assert.equal(copies.length, 1, `one snapshot before the restore, found ${copies.join(', ')}`);
    const copy = join(state, copies[0]!, 'vda-disk.qcow2');
    assert.ok(existsSync(copy), copy);
    assert.equal(await sha(copy), damaged, 'the snapshot holds the damaged disk');
    // The disk is the golden image now (a whole image, no longer an overlay), and the proving boot reached ready.
    assert.doesNotMatch(runToolSync('qemu-img', ['info', '-U', disk]).stdout, /backing file/, 'the restored disk is a copy of the golden image');
    const proof = h.target.lastOutcome();
    assert.equal(proof?.status, 'ready', `the next start: ${proof?.reason}`);
    assert.notEqual(proof?.bootId, first.bootId);
    assert.ok(!(proof?.findings ?? []).some((f) => f.family === 'systemd-emergency'), 'no emergency mode after the restore');
  } finally {
    await h.close();
  }
});
