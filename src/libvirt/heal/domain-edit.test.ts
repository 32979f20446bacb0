import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBootmedicError } from '../../core/index.ts';
import { domainFacts, editDomainXml } from './domain-edit.ts';

// A domain as `virsh dumpxml --inactive` printed it (libvirt 9.0), trimmed of controllers.
const XML = `<domain type='qemu'>
  <name>bmt-demo</name>
  <uuid>626233d5-cbeb-45ca-9902-d98b69de727f</uuid>
  <metadata>
    <bootmedic:heal xmlns:bootmedic="https://bootmedic.dev/xmlns/1">true</bootmedic:heal>
  </metadata>
  <memory unit='KiB'>81920</memory>
  <currentMemory unit='KiB'>81920</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <kernel>/var/lib/t/vmlinuz</kernel>
    <initrd>/var/lib/t/initrd.cpio.gz</initrd>
    <cmdline>console=ttyS0,115200 bootmedic.fault=panic</cmdline>
    <boot dev='hd'/>
  </os>
  <!-- an operator's note -->
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/t/disk.qcow2'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/t/cd.iso'/>
      <target dev='sda' bus='sata'/>
    </disk>
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw'/>
      <source protocol='rbd' name='pool/img'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <serial type='pty'>
      <log file='/var/lib/t/serial.log' append='on'/>
      <target type='isa-serial' port='0'/>
    </serial>
  </devices>
</domain>
`;

test('domainFacts reads memory, vCPUs, the direct-boot files and the disks (not CD-ROMs) with their formats', () => {
  const f = domainFacts(XML);
  assert.equal(f.name, 'bmt-demo');
  assert.equal(f.type, 'qemu');
  assert.equal(f.memoryMiB, 80);
  assert.equal(f.vcpus, 1);
  assert.equal(f.kernel, '/var/lib/t/vmlinuz');
  assert.equal(f.cmdline, 'console=ttyS0,115200 bootmedic.fault=panic');
  assert.deepEqual(f.disks, [
    { target: 'vda', sourceType: 'file', path: '/var/lib/t/disk.qcow2', format: 'qcow2' },
    { target: 'vdb', sourceType: 'network', path: undefined, format: 'raw' },
  ]);
});

test('memory in other units is read as MiB', () => {
  assert.equal(domainFacts(XML.replace("<memory unit='KiB'>81920</memory>", "<memory unit='GiB'>2</memory>")).memoryMiB, 2048);
  assert.equal(domainFacts(XML.replace("<memory unit='KiB'>81920</memory>", '<memory>262144</memory>')).memoryMiB, 256);
});

test('editDomainXml changes memory (both elements), vCPUs, cmdline and type, and keeps everything else', () => {
  const out = editDomainXml(XML, { memoryMiB: 256, vcpus: 2, cmdline: 'console=ttyS0,115200', type: 'kvm' });
  const f = domainFacts(out);
  assert.equal(f.memoryMiB, 256);
  assert.match(out, /<currentMemory unit="KiB">262144<\/currentMemory>/);
  assert.equal(f.vcpus, 2);
  assert.equal(f.cmdline, 'console=ttyS0,115200');
  assert.equal(f.type, 'kvm');
  assert.equal(f.kernel, '/var/lib/t/vmlinuz');
  assert.deepEqual(f.disks, domainFacts(XML).disks);
  // Untouched parts survive: metadata (the opt-in), the comment, the serial log, the uuid.
  for (const keep of ['<bootmedic:heal xmlns:bootmedic="https://bootmedic.dev/xmlns/1">true</bootmedic:heal>', '<!-- an operator\'s note -->', 'serial.log', '626233d5-cbeb-45ca-9902-d98b69de727f', '<boot dev="hd"/>']) {
    assert.ok(out.includes(keep), `lost ${keep}`);
  }
});

test('editDomainXml removes the initrd with null and adds a missing cmdline after the initrd', () => {
  const noCmdline = XML.replace(/\s*<cmdline>.*<\/cmdline>/, '');
  assert.equal(domainFacts(noCmdline).cmdline, undefined);
  const out = editDomainXml(noCmdline, { initrd: null, cmdline: 'root=/dev/vda1' });
  const f = domainFacts(out);
  assert.equal(f.initrd, undefined);
  assert.equal(f.cmdline, 'root=/dev/vda1');
  assert.ok(out.indexOf('<kernel>') < out.indexOf('<cmdline>'), 'cmdline follows the kernel');
});

test('text that is not a domain is refused', () => {
  assert.throws(() => domainFacts('<network><name>default</name></network>'), (e: unknown) => isBootmedicError(e, 'LIBVIRT_BAD_XML') && /not a libvirt domain XML/.test(e.message));
});
