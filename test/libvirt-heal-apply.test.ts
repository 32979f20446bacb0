// Remedies carried out on real libvirt domains (no boots): the opt-in gate, a snapshot
// before every destructive step, raw disks (and UEFI domains' disks) copied instead, owners
// kept, and disks bootmedic cannot handle refused by name.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseVmSpec } from '../src/config/index.ts';
import { isBootmedicError, runToolSync } from '../src/core/index.ts';
import { OVMF_4M, OVMF_SECURE_BOOT } from '../src/guest/index.ts';
import { createLibvirtBackend, drillDomainXml, libvirtStateDir, OPT_IN_METADATA } from '../src/libvirt/index.ts';
import { defineTinyDomain, LIBVIRT_TEST_ROOT, useLibvirtd, type TinyDomain } from '../testkit/index.ts';

const lv = useLibvirtd();
const homes: string[] = [];
after(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));
const tempHome = () => {
  const h = mkdtempSync(join(tmpdir(), 'bm-lvheal-'));
  homes.push(h);
  return h;
};
const virsh = (args: string[]) => runToolSync('virsh', ['-c', 'qemu:///system', ...args]).stdout;
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
const noHypervisor = { probeAccel: () => Promise.reject(new Error('no boots here')), launch: () => Promise.reject(new Error('no boots here')) };

/** A tiny domain with one extra disk of `format`, attached to its persistent config. */
function withDisk(d: TinyDomain, format: string): string {
  const disk = join(d.dir, `data.${format}`);
  runToolSync('qemu-img', ['create', '-q', '-f', format, disk, '4M']);
  virsh(['attach-disk', d.name, disk, 'vdb', '--driver', 'qemu', '--subdriver', format, '--targetbus', 'virtio', '--config']);
  return disk;
}

const specOf = (d: TinyDomain, memoryMiB = 256) => parseVmSpec({ name: d.name, kernel: join(d.dir, 'vmlinuz'), memoryMiB }, `domain ${d.name}`, '/');
const backendOf = (d: TinyDomain, home: string) => createLibvirtBackend({ uri: d.uri, domain: d.name, deps: { home, hypervisor: noHypervisor } });
/** The harness undefines without --snapshots-metadata: a domain with snapshots drops their metadata first. */
const dropSnapshotsAtEnd = (t: { after: (fn: () => void) => void }, d: TinyDomain) => t.after(() => void runToolSync('virsh', ['-c', d.uri, 'undefine', d.name, '--snapshots-metadata'], { check: false }));
const memoryKiB = (d: TinyDomain) => Number(/<memory unit='KiB'>(\d+)<\/memory>/.exec(virsh(['dumpxml', '--inactive', d.name]))?.[1]);
const snapshots = (d: TinyDomain) => virsh(['snapshot-list', d.name, '--name']).split('\n').map((s) => s.trim()).filter(Boolean);

test('a domain that is not opted in is never changed: every remedy and boot is refused, XML and disk unchanged', { skip: lv.skip, timeout: 60_000 }, async () => {
  const d = defineTinyDomain({ name: 'notin', memoryMiB: 80 });
  const disk = withDisk(d, 'qcow2');
  const home = tempHome();
  const xmlBefore = virsh(['dumpxml', '--inactive', d.name]);
  const diskBefore = sha(disk);
  const be = backendOf(d, home);
  const spec = specOf(d, 80);
  const refused = (e: unknown) => isBootmedicError(e, 'LIBVIRT_NOT_OPTED_IN') && e.message.includes(d.name);
  await assert.rejects(be.apply({ type: 'spec-patch', patch: { set: { memoryMiB: 160 }, unset: [] } }, spec), refused);
  await assert.rejects(be.apply({ type: 'restore-golden', files: [{ path: disk, from: disk }] }, spec), refused);
  await assert.rejects(be.apply({ type: 'image-repair', disk, repair: 'fsck-root', from: undefined, snapshotDir: home }, spec), refused);
  await assert.rejects(be.apply({ type: 'snapshot-rollback', disks: [disk], snapshot: 'bootmedic-last-good' }, spec), refused);
  await assert.rejects(be.boot(spec, { mode: 'once', lock: undefined as never }).first, refused);
  await be.keepGoodState(spec); // best effort: refused silently
  assert.equal(virsh(['dumpxml', '--inactive', d.name]), xmlBefore, 'the persistent XML is unchanged');
  assert.equal(sha(disk), diskBefore, 'the disk is unchanged');
  assert.deepEqual(snapshots(d), [], 'no snapshot was taken');
  assert.equal(virsh(['domstate', d.name]).trim(), 'shut off', 'the domain was not started');
});

test('an opted-in domain: memory goes into the persistent XML; a golden restore of a qcow2 disk copies it first and keeps its owner', { skip: lv.skip, timeout: 60_000 }, async (t) => {
  const d = defineTinyDomain({ name: 'optin', memoryMiB: 80, metadata: OPT_IN_METADATA });
  dropSnapshotsAtEnd(t, d);
  const disk = withDisk(d, 'qcow2');
  const home = tempHome();
  const be = backendOf(d, home);
  const next = await be.apply({ type: 'spec-patch', patch: { set: { memoryMiB: 160, cpus: 2 }, unset: [] } }, specOf(d, 80));
  assert.equal(next.memoryMiB, 160);
  const xml = virsh(['dumpxml', '--inactive', d.name]);
  assert.match(xml, /<memory unit='KiB'>163840<\/memory>/);
  assert.match(xml, /<currentMemory unit='KiB'>163840<\/currentMemory>/);
  assert.match(xml, /<vcpu placement='static'>2<\/vcpu>/);
  assert.ok(xml.includes('bootmedic:heal'), 'the opt-in survives the define');

  // A golden restore replaces the disk file, and with it the internal snapshots inside: the snapshot before it is a copy.
  await be.keepGoodState(next);
  assert.ok(snapshots(d).includes('bootmedic-last-good'));
  const golden = join(d.dir, 'golden.qcow2');
  runToolSync('qemu-img', ['create', '-q', '-f', 'qcow2', golden, '8M']);
  chownSync(disk, 4242, 0); // an owner the golden copy does not have: the restored disk must keep it
  const owner = statSync(disk);
  const before = sha(disk);
  await be.apply({ type: 'restore-golden', files: [{ path: disk, from: golden }] }, next);
  const copies = readdirSync(libvirtStateDir(home, d.name)).filter((f) => f.startsWith('bootmedic-before-'));
  assert.equal(copies.length, 1, 'one copy before the destructive step');
  assert.equal(sha(join(libvirtStateDir(home, d.name), copies[0]!, 'vdb-data.qcow2')), before, 'the copy holds the disk as it was');
  assert.equal(sha(disk), sha(golden), 'the disk is the golden copy');
  assert.deepEqual([statSync(disk).uid, statSync(disk).mode], [owner.uid, owner.mode], 'owner and mode kept');
  assert.deepEqual(snapshots(d), [], "libvirt no longer lists snapshots that went with the replaced file");
  assert.equal(await be.hasGoodState(next), false);

  await be.keepGoodState(next);
  assert.ok(await be.hasGoodState(next));
  assert.ok(snapshots(d).includes('bootmedic-last-good'));
  const lg = JSON.parse(readFileSync(join(libvirtStateDir(home, d.name), 'last-good.json'), 'utf8')) as { xml: string; disks: { path: string; sha256: string }[] };
  assert.ok(lg.xml.includes(`<name>${d.name}</name>`));
  assert.deepEqual(lg.disks.map((x) => [x.path, x.sha256]), [[disk, sha(disk)]], 'last good = XML + disk digests');
});

test('a raw disk is copied before a destructive step (internal snapshots need qcow2)', { skip: lv.skip, timeout: 60_000 }, async () => {
  const d = defineTinyDomain({ name: 'raw', metadata: OPT_IN_METADATA });
  const disk = withDisk(d, 'raw');
  writeFileSync(disk, Buffer.alloc(4 << 20, 7));
  const home = tempHome();
  const golden = join(d.dir, 'golden.raw');
  writeFileSync(golden, Buffer.alloc(4 << 20, 1));
  const before = sha(disk);
  await backendOf(d, home).apply({ type: 'restore-golden', files: [{ path: disk, from: golden }] }, specOf(d));
  assert.deepEqual(snapshots(d), []);
  const dir = libvirtStateDir(home, d.name);
  const copies = readdirSync(dir).filter((f) => f.startsWith('bootmedic-before-'));
  assert.equal(copies.length, 1);
  const copy = join(dir, copies[0]!, `vdb-${'data.raw'}`);
  assert.ok(existsSync(copy), copy);
  assert.equal(sha(copy), before, 'the copy holds the disk as it was');
  assert.equal(sha(disk), sha(golden));
});

test('a disk format bootmedic cannot repair is refused naming the disk and its format, before anything is changed', { skip: lv.skip, timeout: 60_000 }, async () => {
  const d = defineTinyDomain({ name: 'vmdk', metadata: OPT_IN_METADATA });
  const disk = withDisk(d, 'vmdk');
  const home = tempHome();
  const before = sha(disk);
  await assert.rejects(
    backendOf(d, home).apply({ type: 'image-repair', disk, repair: 'fsck-root', from: undefined, snapshotDir: home }, specOf(d)),
    (e: unknown) => isBootmedicError(e, 'LIBVIRT_DISK_FORMAT_UNSUPPORTED') && e.message.includes(disk) && e.message.includes('vmdk') && e.message.includes(d.name),
  );
  assert.equal(sha(disk), before);
  assert.deepEqual(snapshots(d), []);
});

test('snapshot-rollback reverts to the last good snapshot: disk and XML come back, and the spec follows the XML', { skip: lv.skip, timeout: 60_000 }, async (t) => {
  const d = defineTinyDomain({ name: 'rollback', memoryMiB: 128, metadata: OPT_IN_METADATA });
  dropSnapshotsAtEnd(t, d);
  const disk = withDisk(d, 'qcow2');
  const home = tempHome();
  const be = backendOf(d, home);
  const spec = specOf(d, 128);
  assert.equal(await be.hasGoodState(spec), false);
  await be.keepGoodState(spec);
  assert.equal(await be.hasGoodState(spec), true);
  const good = sha(disk);
  // Later: more memory, and the disk changed in place (grown to 8 MiB).
  const bigger = await be.apply({ type: 'spec-patch', patch: { set: { memoryMiB: 512 }, unset: [] } }, spec);
  runToolSync('qemu-img', ['resize', '-q', disk, '8M']);
  assert.notEqual(sha(disk), good);
  const back = await be.apply({ type: 'snapshot-rollback', disks: [disk], snapshot: 'bootmedic-last-good' }, bigger);
  assert.equal(memoryKiB(d), 128 * 1024, 'the XML is the good one again');
  assert.equal(back.memoryMiB, 128, 'the spec follows the XML');
  assert.equal(runToolSync('qemu-img', ['info', '--output=json', disk]).stdout.includes('"virtual-size": 4194304'), true, 'the disk is the 4 MiB one again');
});

test('a UEFI domain (no internal snapshots with pflash firmware): the good state is a copy, and a rollback brings its XML and disks back', { skip: lv.skip, timeout: 60_000 }, async (t) => {
  const name = `bmtest-${randomBytes(3).toString('hex')}-uefi`;
  const dir = join(LIBVIRT_TEST_ROOT, name);
  mkdirSync(dir, { recursive: true });
  for (const x of [LIBVIRT_TEST_ROOT, dir]) chmodSync(x, 0o755);
  t.after(() => {
    runToolSync('virsh', ['-c', 'qemu:///system', 'undefine', name, '--snapshots-metadata', '--nvram'], { check: false });
    rmSync(dir, { recursive: true, force: true });
  });
  const disk = join(dir, 'disk.qcow2');
  runToolSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '4M']);
  const nvram = join(dir, 'nvram.fd');
  copyFileSync(OVMF_4M.vars, nvram);
  const spec = parseVmSpec({ name, firmware: 'uefi', memoryMiB: 256, disks: [{ path: disk, format: 'qcow2' }] }, 'test domain', '/');
  writeFileSync(join(dir, 'domain.xml'), drillDomainXml(spec, { uuid: randomUUID(), serialLog: join(dir, 'serial.log'), nvram, firmware: { uefi: OVMF_4M, secureBoot: OVMF_SECURE_BOOT } }));
  virsh(['define', join(dir, 'domain.xml')]);
  const home = tempHome();
  const be = createLibvirtBackend({ uri: 'qemu:///system', domain: name, deps: { home, hypervisor: noHypervisor } });

  await be.keepGoodState(spec);
  assert.deepEqual(virsh(['snapshot-list', name, '--name']).trim(), '', 'libvirt took no internal snapshot');
  assert.equal(await be.hasGoodState(spec), true, 'a copy is the good state');
  const good = sha(disk);

  // A fault moves the domain onto another disk (an overlay with damage) and less memory.
  const faulty = join(dir, 'faulty.qcow2');
  runToolSync('qemu-img', ['create', '-q', '-f', 'qcow2', faulty, '8M']);
  const bad = parseVmSpec({ name, firmware: 'uefi', memoryMiB: 128, disks: [{ path: faulty, format: 'qcow2' }] }, 'test domain', '/');
  writeFileSync(join(dir, 'domain.xml'), drillDomainXml(bad, { uuid: virsh(['domuuid', name]).trim(), serialLog: join(dir, 'serial.log'), nvram, firmware: { uefi: OVMF_4M, secureBoot: OVMF_SECURE_BOOT } }));
  virsh(['define', join(dir, 'domain.xml')]);
  runToolSync('qemu-img', ['resize', '-q', disk, '6M']); // and the good disk changed in place
  const faultyBefore = sha(faulty);

  const back = await be.apply({ type: 'snapshot-rollback', disks: [faulty], snapshot: 'bootmedic-last-good' }, bad);
  assert.equal(sha(disk), good, 'the good disk is back');
  assert.equal(sha(faulty), faultyBefore, 'a disk the good XML does not name is left alone');
  assert.match(virsh(['dumpxml', '--inactive', name]), new RegExp(`<source file='${disk}'/>`), 'the good XML is back');
  assert.deepEqual(back.disks.map((d) => d.path), [disk], 'the spec follows the disks');
  assert.equal(back.memoryMiB, 256, 'and the memory');
});
