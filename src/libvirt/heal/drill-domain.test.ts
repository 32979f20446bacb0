import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVmSpec } from '../../config/index.ts';
import { domainSpec } from '../domain-spec.ts';
import { parseDomainXml } from '../domain-xml.ts';
import { optInOf } from '../metadata.ts';
import { domainFacts } from './domain-edit.ts';
import { drillDomainXml, drillFirmware, type DrillGuestFiles } from './drill-domain.ts';

const guest: DrillGuestFiles = {
  kernel: '/var/lib/libvirt/images/d/guest/vmlinuz',
  initrd: '/var/lib/libvirt/images/d/guest/initrd.cpio.gz',
  cmdline: 'console=ttyS0,115200 bootmedic.after=idle',
  copies: new Map([['/root/.cache/bootmedic/guests/tiny/x/initrd.cpio.gz', '/var/lib/libvirt/images/d/guest/initrd.cpio.gz']]),
};
const spec = (o: Record<string, unknown>) => parseVmSpec({ name: 'bmdrill-ab12-s001', guest: 'tiny', memoryMiB: 256, disks: [{ path: '/var/lib/libvirt/images/d/s1/disk.qcow2' }], ...o }, 'drill VM', '/');
const UUID = '0b7c1a52-6a0e-4a39-9f0c-6b1f2e3d4c5b';

test('a drill domain is opted in, named with its uuid, logs its serial console, and boots the guest files QEMU can read', () => {
  const xml = drillDomainXml(spec({}), { guest, serialLog: '/var/lib/libvirt/images/d/s1/serial.log', uuid: UUID });
  const d = parseDomainXml(xml, 'drill domain');
  assert.equal(d.name, 'bmdrill-ab12-s001');
  assert.equal(d.uuid, UUID);
  assert.equal(d.serialLog, '/var/lib/libvirt/images/d/s1/serial.log');
  assert.equal(optInOf(d).heal, true);
  const f = domainFacts(xml);
  assert.equal(f.type, 'qemu');
  assert.equal(f.memoryMiB, 256);
  assert.equal(f.kernel, guest.kernel);
  assert.equal(f.initrd, guest.initrd);
  assert.equal(f.cmdline, guest.cmdline);
  assert.deepEqual(f.disks, [{ target: 'vda', sourceType: 'file', path: '/var/lib/libvirt/images/d/s1/disk.qcow2', format: 'qcow2' }]);
  assert.match(xml, /<panic model='isa'\/>/);
});

test("a scenario's configuration reaches the XML: memory, no initramfs, appended words, a cache path mapped to its readable copy", () => {
  const f = domainFacts(drillDomainXml(spec({ memoryMiB: 80, initrd: 'none', append: 'root=/dev/vda2' }), { guest, serialLog: '/l', uuid: UUID }));
  assert.equal(f.memoryMiB, 80);
  assert.equal(f.initrd, undefined);
  assert.equal(f.cmdline, 'console=ttyS0,115200 bootmedic.after=idle root=/dev/vda2');
  const g = domainFacts(drillDomainXml(spec({ kernel: '/var/lib/libvirt/images/d/s1/k', initrd: '/root/.cache/bootmedic/guests/tiny/x/initrd.cpio.gz', cmdline: 'console=ttyS0' }), { guest, serialLog: '/l', uuid: UUID }));
  assert.equal(g.kernel, '/var/lib/libvirt/images/d/s1/k');
  assert.equal(g.initrd, guest.initrd, 'the cache path is replaced by its readable copy');
  assert.equal(g.cmdline, 'console=ttyS0');
});

test('names and paths are escaped in the XML', () => {
  const xml = drillDomainXml(spec({ disks: [{ path: "/var/lib/x/a'b&c.qcow2" }] }), { guest, serialLog: '/l', uuid: UUID });
  assert.equal(domainFacts(xml).disks[0]?.path, "/var/lib/x/a'b&c.qcow2");
});

test("the VM's QoS class and limits become the domain's <cputune>, <memtune> and <blkiotune>", () => {
  const xml = drillDomainXml(spec({ qos: 'guaranteed', limits: { cpus: 0.5, iops: 200 } }), { guest, serialLog: '/l', uuid: UUID, host: { devices: ['/dev/vda'] } });
  assert.match(xml, /<vcpu>1<\/vcpu>\n  <cputune><shares>10240<\/shares><global_period>100000<\/global_period><global_quota>50000<\/global_quota><\/cputune>\n  <memtune><hard_limit unit='KiB'>524288<\/hard_limit><soft_limit unit='KiB'>524288<\/soft_limit><\/memtune>\n  <blkiotune><device><path>\/dev\/vda<\/path><read_iops_sec>200<\/read_iops_sec><write_iops_sec>200<\/write_iops_sec><\/device><\/blkiotune>\n  <os>/);
  // A burstable VM without limits gets libvirt's defaults, written out.
  assert.match(drillDomainXml(spec({}), { guest, serialLog: '/l', uuid: UUID }), /<cputune><shares>1024<\/shares><\/cputune>\n  <os>/);
});

const firmware = { uefi: { code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.fd' }, secureBoot: { code: '/usr/share/OVMF/OVMF_CODE_4M.secboot.fd', vars: '/usr/share/OVMF/OVMF_VARS_4M.ms.fd' } };
const debian = (o: Record<string, unknown>) =>
  parseVmSpec({ name: 'bmdrill-ab12-s002', firmware: 'uefi', memoryMiB: 1024, disks: [{ path: '/var/lib/libvirt/images/d/s2/disk.qcow2', format: 'qcow2' }], ready: { type: 'login' }, ...o }, 'drill VM', '/');

test('a Debian drill domain boots its disk through OVMF: read-only code, its own variable store from the template, ACPI, no kernel', () => {
  const xml = drillDomainXml(debian({}), { serialLog: '/l', uuid: UUID, nvram: '/var/lib/libvirt/images/d/s2/nvram.fd', firmware });
  assert.match(xml, /<loader readonly='yes' secure='no' type='pflash'>\/usr\/share\/OVMF\/OVMF_CODE_4M\.fd<\/loader>/);
  assert.match(xml, /<nvram>\/var\/lib\/libvirt\/images\/d\/s2\/nvram\.fd<\/nvram>/);
  assert.deepEqual(drillFirmware(debian({}), firmware), firmware.uefi, 'the plain build and its template, which the caller copies');
  assert.match(xml, /<features><acpi\/><apic\/><\/features>/);
  assert.doesNotMatch(xml, /<kernel>|<smm/);
  const d = parseDomainXml(xml, 'drill domain');
  assert.equal(optInOf(d).heal, true);
  assert.equal(d.serialLog, '/l');
  const f = domainFacts(xml);
  assert.equal(f.kernel, undefined);
  assert.equal(f.memoryMiB, 1024);
  assert.deepEqual(f.disks.map((x) => x.format), ['qcow2']);
});

test('the Secure Boot variant takes the secure build with SMM and the Microsoft-keys variable store', () => {
  const xml = drillDomainXml(debian({ secureBoot: true }), { serialLog: '/l', uuid: UUID, nvram: '/n.fd', firmware });
  assert.match(xml, /<loader readonly='yes' secure='yes' type='pflash'>\/usr\/share\/OVMF\/OVMF_CODE_4M\.secboot\.fd<\/loader>/);
  assert.deepEqual(drillFirmware(debian({ secureBoot: true }), firmware), firmware.secureBoot);
  assert.match(xml, /<smm state='on'\/>/);
  assert.match(xml, /machine='q35'/);
  // Read back, as the watch reads a domain: the same firmware the drill VM asked for.
  const back = domainSpec(parseDomainXml(xml, 'drill domain'), 'qemu:///system');
  assert.deepEqual([back.firmware, back.secureBoot], ['uefi', true]);
  const plain = domainSpec(parseDomainXml(drillDomainXml(debian({}), { serialLog: '/l', uuid: UUID, nvram: '/n.fd', firmware }), 'drill domain'), 'qemu:///system');
  assert.deepEqual([plain.firmware, plain.secureBoot], ['uefi', false], "secure='no'");
});

test('a UEFI drill domain without firmware files, or a direct boot without any kernel, is refused naming the VM', () => {
  assert.throws(() => drillDomainXml(debian({}), { serialLog: '/l', uuid: UUID }), /LIBVIRT_DRILL_FAILED|bmdrill-ab12-s002: a UEFI drill domain needs/);
  assert.throws(() => drillDomainXml(spec({}), { serialLog: '/l', uuid: UUID }), /bmdrill-ab12-s001: a direct kernel boot needs a kernel/);
});
