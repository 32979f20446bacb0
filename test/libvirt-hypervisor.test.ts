// The libvirt Hypervisor in 'own' control (what a heal or a boot of a domain uses): an
// opted-in domain is started, supervised to ready and destroyed at the end; a domain that
// is not opted in is refused and never touched.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runToolSync } from '../src/core/index.ts';
import { createLibvirtHypervisor, domainSpec, domainXml } from '../src/libvirt/index.ts';
import { superviseVm } from '../src/supervisor/index.ts';
import { defineTinyDomain, useLibvirtd } from '../testkit/index.ts';

const lv = useLibvirtd();
const home = mkdtempSync(join(tmpdir(), 'bm-lv-hv-'));
after(() => rmSync(home, { recursive: true, force: true }));
const state = (uri: string, name: string) => runToolSync('virsh', ['-c', uri, 'domstate', name]).stdout.trim();

test("a domain that is not opted in: 'own' control refuses it with LIBVIRT_NOT_OPTED_IN and leaves it alone", { skip: lv.skip, timeout: 120_000 }, async () => {
  const d = defineTinyDomain({ name: 'optout', metadata: '<bootmedic:domain xmlns:bootmedic="https://bootmedic.dev/xmlns/1"><bootmedic:heal>false</bootmedic:heal></bootmedic:domain>' });
  const hv = createLibvirtHypervisor({ uri: d.uri, control: 'own' });
  try {
    const spec = domainSpec(await domainXml(d.uri, d.name), d.uri);
    await assert.rejects(superviseVm(spec, { hypervisor: hv, home }, { mode: 'once' }), (e: { code?: string; message: string }) => {
      assert.equal(e.code, 'LIBVIRT_NOT_OPTED_IN');
      assert.ok(e.message.includes(d.name));
      return true;
    });
    assert.equal(state(d.uri, d.name), 'shut off', 'never started');
  } finally {
    await hv.close();
    d.remove();
  }
});

test("an opted-in domain: 'own' control starts it, the boot reaches ready, and stop destroys it", { skip: lv.skip, timeout: 300_000 }, async () => {
  const d = defineTinyDomain({ name: 'own', metadata: '<bootmedic:domain xmlns:bootmedic="https://bootmedic.dev/xmlns/1"><bootmedic:heal>true</bootmedic:heal><bootmedic:ready marker="bootmedic-ready"/></bootmedic:domain>' });
  const hv = createLibvirtHypervisor({ uri: d.uri, control: 'own' });
  try {
    const spec = domainSpec(await domainXml(d.uri, d.name), d.uri);
    const [o] = await superviseVm(spec, { hypervisor: hv, home }, { mode: 'once' });
    assert.equal(o?.status, 'ready', o?.reason);
    assert.equal(o?.accel, 'tcg', 'the domain type qemu is TCG');
    assert.match(o?.accelReason ?? '', /domain type/);
    assert.match(o?.reason ?? '', /bootmedic-ready/);
    assert.equal(state(d.uri, d.name), 'shut off', "'once' mode stopped the domain it started");
  } finally {
    await hv.close();
    d.remove();
  }
});

test('a domain without a serial log: LIBVIRT_NO_SERIAL_LOG with the exact XML to add, and the domain is not started', { skip: lv.skip, timeout: 120_000 }, async () => {
  const d = defineTinyDomain({ name: 'nolog', serialLog: false, metadata: '<bootmedic:heal xmlns:bootmedic="https://bootmedic.dev/xmlns/1">true</bootmedic:heal>' });
  const hv = createLibvirtHypervisor({ uri: d.uri, control: 'own' });
  try {
    const spec = domainSpec(await domainXml(d.uri, d.name), d.uri);
    await assert.rejects(superviseVm(spec, { hypervisor: hv, home }, { mode: 'once' }), (e: { code?: string; message: string; exitClass?: string }) => {
      assert.equal(e.code, 'LIBVIRT_NO_SERIAL_LOG');
      assert.equal(e.exitClass, 'input');
      assert.ok(e.message.includes(`<log file='/var/log/libvirt/qemu/${d.name}-serial.log' append='on'/>`), e.message);
      return true;
    });
    assert.equal(state(d.uri, d.name), 'shut off');
  } finally {
    await hv.close();
    d.remove();
  }
});
