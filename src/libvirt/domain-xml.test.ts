import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseDomainXml, serialLogFix } from './domain-xml.ts';
import { domainSpec, vmNameOf } from './domain-spec.ts';
import { optInOf } from './metadata.ts';

// `virsh dumpxml --inactive` of domains the libvirt harness defined (libvirt 9.0), renamed.
const xml = (f: string) => readFileSync(new URL(`../../testkit/libvirt-xml/${f}.xml`, import.meta.url), 'utf8');
const meta = (inner: string) => `<domain type='kvm'><name>m</name><memory unit='MiB'>512</memory><metadata>${inner}</metadata></domain>`;
const NS = 'xmlns:bootmedic="https://bootmedic.dev/xmlns/1"';

test('a recorded domain: identity, memory, direct kernel boot, serial log, pvpanic, and the wrapper metadata', () => {
  const d = parseDomainXml(xml('wrapper'), 'wrapper');
  assert.equal(d.name, 'bmtest-wrapper');
  assert.equal(d.uuid, '53901a0b-bf1f-467e-b326-b04119121d65');
  assert.equal(d.type, 'qemu');
  assert.equal(d.memoryMiB, 256);
  assert.equal(d.vcpus, 1);
  assert.equal(d.kernel, '/var/lib/bootmedic-test/bmtest-wrapper/vmlinuz');
  assert.match(d.cmdline ?? '', /bootmedic\.after=idle/);
  assert.equal(d.serialLog, '/var/lib/bootmedic-test/bmtest-wrapper/serial.log');
  assert.equal(d.serialLogAppend, true);
  assert.equal(parseDomainXml("<domain><name>t</name><devices><serial type='pty'><log file='/l'/></serial></devices></domain>", 't').serialLogAppend, false, 'no append: virtlogd truncates at each start');
  assert.equal(d.hasPanicDevice, true);
  assert.equal(d.onCrash, 'destroy');
  assert.deepEqual(d.metadata, { heal: true, ready: { type: 'marker', text: 'bootmedic-ready' }, stall: { defaultSeconds: 15 }, bootLoop: { resets: 2, windowSeconds: 300 } });
});

test('the simple form <prefix:heal> with any prefix opts in; other namespaces are ignored', () => {
  const d = parseDomainXml(xml('heal-simple'), 'heal-simple');
  assert.deepEqual(d.metadata, { heal: true });
  assert.deepEqual(optInOf(d), { heal: true, by: 'metadata' });
});

test('a domain without a serial log: not watchable, and the fix is one <log/> inside its serial device', () => {
  const d = parseDomainXml(xml('no-serial-log'), 'no-serial-log');
  assert.equal(d.serialLog, undefined);
  assert.equal(d.hasSerial, true);
  assert.equal(serialLogFix(d), "<log file='/var/log/libvirt/qemu/bmtest-no-serial-log-serial.log' append='on'/>");
  assert.equal(serialLogFix({ name: 'web', hasSerial: false }), "<serial type='pty'><log file='/var/log/libvirt/qemu/web-serial.log' append='on'/><target port='0'/></serial>");
  assert.deepEqual(optInOf(d), { heal: false, by: 'none' }, 'no metadata: watched, never acted on');
  assert.deepEqual(optInOf(d, ['bmtest-no-serial-log']), { heal: true, by: 'config' }, "bootmedic's config list opts it in");
});

test('metadata: heal false, the ready forms, and one clear LIBVIRT_BAD_XML per mistake', () => {
  assert.deepEqual(parseDomainXml(meta(`<bootmedic:heal ${NS}>false</bootmedic:heal>`), 'x').metadata, { heal: false });
  assert.deepEqual(parseDomainXml(meta(`<bootmedic:c ${NS}><bootmedic:ready login="true"/></bootmedic:c>`), 'x').metadata, { heal: false, ready: { type: 'login' } });
  assert.deepEqual(parseDomainXml(meta(`<b:c xmlns:b="https://bootmedic.dev/xmlns/1"><b:ready target="multi-user.target"/></b:c>`), 'x').metadata.ready, { type: 'systemd-target', target: 'multi-user.target' });
  assert.deepEqual(parseDomainXml(meta(`<bootmedic:heal xmlns:bootmedic="https://example.com/other">true</bootmedic:heal>`), 'x').metadata, { heal: false }, 'the prefix alone is not our namespace');
  const bad: [string, RegExp][] = [
    [`<bootmedic:heal ${NS}>yes</bootmedic:heal>`, /<heal> must be true or false/],
    [`<bootmedic:c ${NS}><bootmedic:ready marker="a" login="true"/></bootmedic:c>`, /exactly one of/],
    [`<bootmedic:c ${NS}><bootmedic:ready target="sshd.service"/></bootmedic:c>`, /systemd target/],
    [`<bootmedic:c ${NS}><bootmedic:bootloop resets="1"/></bootmedic:c>`, /resets="1".*from 2 to 100/],
    [`<bootmedic:c ${NS}><bootmedic:stall default-secs="5"/></bootmedic:c>`, /no attribute default-secs/],
    [`<bootmedic:c ${NS}><bootmedic:healing>true</bootmedic:healing></bootmedic:c>`, /unknown element <healing>/],
    [`<bootmedic:c ${NS}><bootmedic:qos class="gold"/></bootmedic:c>`, /<qos class="gold"> must be guaranteed or burstable/],
    [`<bootmedic:c ${NS}><bootmedic:qos memory-mib="8"/></bootmedic:c>`, /memory-mib="8".*from 16 to 1048576/],
    [`<bootmedic:c ${NS}><bootmedic:qos iops="1.5"/></bootmedic:c>`, /iops: must be a whole number/],
    [`<bootmedic:c ${NS}><bootmedic:qos memory="512"/></bootmedic:c>`, /no attribute memory \(known: class, cpus, memory-mib, iops, bytes-per-second\)/],
  ];
  for (const [inner, re] of bad) {
    assert.throws(() => parseDomainXml(meta(inner), 'domain m of qemu:///system'), (e: { code?: string; message: string; exitClass?: string }) => {
      assert.equal(e.code, 'LIBVIRT_BAD_XML');
      assert.equal(e.exitClass, 'input');
      assert.match(e.message, /domain m of qemu:\/\/\/system: bootmedic metadata/);
      assert.match(e.message, re);
      return true;
    }, inner);
  }
});

test('metadata: the QoS class and limits a domain asks for, in the VM file\'s terms; class defaults to burstable', () => {
  const q = parseDomainXml(meta(`<bootmedic:domain ${NS}><bootmedic:heal>true</bootmedic:heal><bootmedic:qos class="guaranteed" cpus="0.5" memory-mib="512" iops="100" bytes-per-second="1048576"/></bootmedic:domain>`), 'x').metadata;
  assert.deepEqual(q, { heal: true, qos: { class: 'guaranteed', limits: { cpus: 0.5, memoryMiB: 512, iops: 100, bytesPerSecond: 1048576 } } });
  assert.deepEqual(parseDomainXml(meta(`<bootmedic:domain ${NS}><bootmedic:qos/></bootmedic:domain>`), 'x').metadata.qos, { class: 'burstable', limits: {} });
});

test('not a domain document is LIBVIRT_BAD_XML', () => {
  assert.throws(() => parseDomainXml('<network><name>x</name></network>', 'w'), { code: 'LIBVIRT_BAD_XML' });
  assert.throws(() => parseDomainXml('', 'w'), { code: 'LIBVIRT_BAD_XML' });
});

test('memory units: KiB by default, MiB, GiB, bytes', () => {
  const mem = (m: string) => parseDomainXml(`<domain><name>x</name>${m}</domain>`, 'x').memoryMiB;
  assert.equal(mem('<memory>1048576</memory>'), 1024);
  assert.equal(mem("<memory unit='GiB'>2</memory>"), 2048);
  assert.equal(mem("<memory unit='b'>268435456</memory>"), 256);
  assert.equal(mem("<memory unit='MiB'>512</memory><currentMemory unit='MiB'>384</currentMemory>"), 384, 'the current memory is what the guest boots with');
});

test('a VmSpec per domain: the libvirt marker, ready/stall/boot loop from metadata, defaults otherwise', () => {
  const s = domainSpec(parseDomainXml(xml('wrapper'), 'w'), 'qemu:///system');
  assert.equal(s.name, 'bmtest-wrapper');
  assert.deepEqual(s.libvirt, { uri: 'qemu:///system', domain: 'bmtest-wrapper' });
  assert.equal(s.accel, 'auto', "libvirt's to pick (the domain type)");
  assert.equal(s.memoryMiB, 256);
  assert.deepEqual(s.ready, { type: 'marker', text: 'bootmedic-ready' });
  assert.equal(s.stall.defaultSeconds, 15);
  assert.equal(s.stall.floorSeconds, 5);
  assert.deepEqual(s.bootLoop, { resets: 2, windowSeconds: 300 });
  const plain = domainSpec(parseDomainXml(meta(''), 'm'), 'qemu:///system');
  assert.deepEqual(plain.ready, { type: 'login' }, 'a server console: a login prompt by default');
  assert.equal(plain.disks.length, 0, 'no kernel and no disk is fine for a libvirt domain');
  assert.throws(() => domainSpec(parseDomainXml("<domain><name>tiny</name><memory unit='MiB'>8</memory></domain>", 'm'), 'qemu:///system'), { code: 'LIBVIRT_BAD_XML' });
});

test('VM names for domain names that are not valid VM names stay distinct', () => {
  assert.equal(vmNameOf('web-1'), 'web-1');
  const a = vmNameOf('Web Server');
  const b = vmNameOf('web server');
  assert.match(a, /^web-server-[0-9a-f]{8}$/);
  assert.notEqual(a, b);
});

test('a VM file may name a libvirt domain instead of a guest, kernel or disks; the QEMU backend refuses to launch it', async () => {
  const { parseVmSpec, resolveAppConfig } = await import('../config/index.ts');
  const { createQemuHypervisor } = await import('../hypervisor/index.ts');
  const spec = parseVmSpec({ name: 'web', libvirt: { uri: 'qemu:///system', domain: 'web' } }, 'test', '/');
  assert.deepEqual(spec.libvirt, { uri: 'qemu:///system', domain: 'web' });
  assert.throws(() => parseVmSpec({ name: 'web' }, 'test', '/'), /guest \(tiny \| debian\), kernel, disks, or libvirt/);
  assert.throws(() => parseVmSpec({ name: 'web', libvirt: { uri: 'qemu:///system' } }, 'test', '/'), { code: 'CONFIG_VM_INVALID' });
  const hv = createQemuHypervisor(resolveAppConfig(), { guests: { firmware: { uefi: { code: '', vars: '' }, secureBoot: { code: '', vars: '' } }, artifacts: async () => ({ paths: [] }) } });
  await assert.rejects(hv.launch(spec, { runDir: '/nonexistent' }), (e: { code?: string; message: string }) => {
    assert.equal(e.code, 'HV_QEMU_BAD_ARG');
    assert.match(e.message, /libvirt domain web of qemu:\/\/\/system/);
    return true;
  });
});

test('firmware: UEFI from <os firmware="efi"> or a pflash <loader> with <nvram>, Secure Boot from the secure-boot feature or secure="yes"; BIOS otherwise', () => {
  // `virsh dumpxml --inactive` of domains defined on libvirt 9.0 in each form (testkit/libvirt-xml/uefi-*.xml).
  const forms: [string, 'bios' | 'uefi', boolean][] = [
    ['uefi-auto', 'uefi', false],
    ['uefi-auto-sb', 'uefi', true],
    ['uefi-explicit', 'uefi', false],
    ['uefi-explicit-sb', 'uefi', true],
    ['wrapper', 'bios', false],
  ];
  for (const [f, firmware, secureBoot] of forms) {
    const d = parseDomainXml(xml(f), f);
    const s = domainSpec(d, 'qemu:///system');
    assert.deepEqual([s.firmware, s.secureBoot], [firmware, secureBoot], `the VmSpec of ${f}`);
    assert.deepEqual([d.firmware, d.secureBoot], [firmware, secureBoot], f);
  }
  const os = (inner: string, attrs = '') => parseDomainXml(`<domain type='kvm'><name>o</name><memory unit='MiB'>512</memory><os${attrs}><type arch='x86_64' machine='pc-q35-9.0'>hvm</type>${inner}</os></domain>`, 'o');
  const fw = (d: ReturnType<typeof os>) => [d.firmware, d.secureBoot];
  assert.deepEqual(fw(os("<firmware><feature enabled='no' name='secure-boot'/></firmware>", " firmware='efi'")), ['uefi', false], 'secure boot asked off');
  assert.deepEqual(fw(os("<firmware><feature enabled='yes' name='secure-boot'/></firmware>", " firmware='efi'")), ['uefi', true], 'one feature alone');
  assert.deepEqual(fw(os('', " firmware='bios'")), ['bios', false]);
  assert.deepEqual(fw(os("<loader readonly='yes' secure='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.ms.fd</loader><nvram>/var/lib/libvirt/qemu/nvram/o_VARS.fd</nvram>", " firmware='efi'")), ['uefi', true], 'the live XML of firmware="efi": the loader filled in');
  assert.deepEqual(fw(os("<loader type='rom'>/usr/share/ovmf/OVMF.fd</loader>")), ['uefi', false], 'OVMF as a ROM (-bios OVMF.fd) boots UEFI too');
  assert.deepEqual(fw(os("<loader type='rom'>/usr/share/seabios/bios-256k.bin</loader>")), ['bios', false], 'another BIOS image');
  assert.deepEqual(fw(os("<loader readonly='yes' secure='no' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>")), ['uefi', false]);
  assert.deepEqual(fw(os('')), ['bios', false], 'no loader, no firmware attribute: SeaBIOS');
});

test("machine: the family of <os><type machine=…>, so an i440fx domain is not recorded as q35", () => {
  const typed = (machine: string) => parseDomainXml(`<domain type='qemu'><name>m</name><memory unit='MiB'>256</memory><os><type arch='x86_64' machine='${machine}'>hvm</type></os></domain>`, 'm');
  for (const [machine, family] of [['pc-i440fx-7.2', 'pc'], ['pc', 'pc'], ['pc-q35-7.2', 'q35'], ['q35', 'q35'], ['microvm', undefined], ['pcx', undefined]] as const) {
    const d = typed(machine);
    assert.equal(d.machine, family, machine);
    // Another machine type leaves the VM file's default: bootmedic does not launch libvirt's domains.
    assert.equal(domainSpec(d, 'qemu:///system').machine, family ?? 'q35', `the VmSpec of ${machine}`);
  }
  assert.equal(domainSpec(parseDomainXml(xml('wrapper'), 'wrapper'), 'qemu:///system').machine, 'q35', 'a recorded q35 domain');
});
