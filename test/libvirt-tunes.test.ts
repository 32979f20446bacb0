// QoS classes on real libvirt domains: the tunes a drill domain is defined with and the ones
// an opted-in operator domain's metadata asks for are accepted by libvirt, reported by
// `virsh schedinfo/memtune/blkiotune`, and applied at start; a domain that is not opted in is
// never changed. On this project's machine (cgroup v1, mq-deadline, no CAP_SYS_RESOURCE)
// libvirt applies shares, the global quota, the soft limit and the device throttles in
// /sys/fs/cgroup/<controller>/machine/qemu-<id>-<name>.libvirt-qemu; the test asserts what
// libvirt reports and, where virsh cannot read a value back live, the cgroup file.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseVmSpec } from '../src/config/index.ts';
import { isBootmedicError, runToolSync } from '../src/core/index.ts';
import { applyDomainTunes, BOOTMEDIC_NS, createLibvirtBackend, tuneHostFor } from '../src/libvirt/index.ts';
import { libvirtTunes, libvirtTuneXml } from '../src/resources/index.ts';
import { defineTinyDomain, useLibvirtd } from '../testkit/index.ts';

const lv = useLibvirtd();
const homes: string[] = [];
after(() => homes.forEach((h) => rmSync(h, { recursive: true, force: true })));
const virsh = (args: string[]) => runToolSync('virsh', ['-c', 'qemu:///system', ...args], { check: false, timeoutMs: 120_000 });
/** `name : value` lines of a virsh tuning report. */
const report = (args: string[]): Record<string, string> => {
  const r = virsh(args);
  assert.equal(r.code, 0, `virsh ${args.join(' ')}: ${r.stderr}`);
  return Object.fromEntries(r.stdout.split('\n').map((l) => /^(\w+)\s*:\s*(.*)$/.exec(l.trim())).filter((m) => m !== null).map((m) => [m[1]!, m[2]!.trim()]));
};
const NS = `xmlns:bootmedic="${BOOTMEDIC_NS}"`;

test("a domain defined with a guaranteed VM's tunes: libvirt keeps them and applies them at start", { skip: lv.skip, timeout: 180_000 }, () => {
  // The tiny domain has no disk: the device under the test folder's file system stands in for one.
  const host = tuneHostFor('qemu:///system', ['/var/lib']);
  const tunes = libvirtTunes({ name: 'g', memoryMiB: 128, cpus: 1, qos: 'guaranteed', limits: { cpus: 0.5, iops: 100 } }, host);
  const d = defineTinyDomain({ name: 'tunes', memoryMiB: 128, tunes: libvirtTuneXml(tunes) });
  const cfg = report(['schedinfo', d.name, '--config']);
  assert.equal(cfg['cpu_shares'], '10240');
  assert.equal(cfg['global_period'], '100000');
  assert.equal(cfg['global_quota'], '50000');
  const mem = report(['memtune', d.name, '--config']);
  assert.equal(mem['soft_limit'], String(384 * 1024));
  // The hard limit only where libvirtd can raise QEMU's locked-memory limit to it (not in this sandbox).
  assert.equal(mem['hard_limit'], host.hardLimit === false ? 'unlimited' : String(384 * 1024), tunes.omitted);
  const devs = host.devices ?? [];
  if (devs.length > 0) assert.equal(report(['blkiotune', d.name, '--config'])['device_read_iops_sec'], `${devs[0]},100`);

  const started = virsh(['start', d.name]);
  assert.equal(started.code, 0, started.stderr);
  const live = report(['schedinfo', d.name, '--live']);
  assert.equal(live['cpu_shares'], '10240');
  assert.equal(live['global_quota'], '50000');
  assert.equal(report(['memtune', d.name, '--live'])['soft_limit'], String(384 * 1024));
  if (devs.length > 0) {
    const blk = virsh(['blkiotune', d.name, '--live']);
    if (blk.code === 0) {
      assert.match(blk.stdout, new RegExp(`device_read_iops_sec: ${devs[0]},100`));
    } else {
      // libvirt reads the weight with the rest and refuses without bfq/cfq; the throttle is in the domain's blkio cgroup all the same.
      assert.match(blk.stderr, /valid only for bfq or cfq scheduler/);
      const id = virsh(['domid', d.name]).stdout.trim();
      const file = `/sys/fs/cgroup/blkio/machine/qemu-${id}-${d.name}.libvirt-qemu/blkio.throttle.read_iops_device`;
      if (existsSync(file)) assert.match(readFileSync(file, 'utf8'), / 100\n?$/);
    }
  }
  d.remove();
});

test('an opted-in domain gets the QoS its metadata names through the backend before its boot; one not opted in is refused and unchanged', { skip: lv.skip, timeout: 180_000 }, async () => {
  const qos = `<bootmedic:qos class="burstable" cpus="0.25" memory-mib="200"/>`;
  const optIn = defineTinyDomain({ name: 'qos-in', memoryMiB: 96, metadata: `<bootmedic:domain ${NS}><bootmedic:heal>true</bootmedic:heal>${qos}</bootmedic:domain>` });
  const notIn = defineTinyDomain({ name: 'qos-out', memoryMiB: 96, metadata: `<bootmedic:domain ${NS}>${qos}</bootmedic:domain>` });
  const plain = defineTinyDomain({ name: 'qos-none', memoryMiB: 96, metadata: `<bootmedic:heal ${NS}>true</bootmedic:heal>` });

  // Not opted in: refused before anything changes.
  const before = virsh(['dumpxml', '--inactive', notIn.name]).stdout;
  await assert.rejects(applyDomainTunes({ uri: notIn.uri, domain: notIn.name }), (e: unknown) => isBootmedicError(e, 'LIBVIRT_NOT_OPTED_IN') && e.message.includes(notIn.name));
  assert.equal(virsh(['dumpxml', '--inactive', notIn.name]).stdout, before);
  // Opted in, no QoS named: nothing to do.
  const plainBefore = virsh(['dumpxml', '--inactive', plain.name]).stdout;
  assert.deepEqual(await applyDomainTunes({ uri: plain.uri, domain: plain.name }), { type: 'none', domain: plain.name });
  assert.equal(virsh(['dumpxml', '--inactive', plain.name]).stdout, plainBefore);

  // Opted in with a class: the backend's boot writes the tunes (--config) before it starts the domain.
  const home = mkdtempSync(join(tmpdir(), 'bm-lvtune-'));
  homes.push(home);
  const noBoots = { probeAccel: () => Promise.reject(new Error('no boots here')), launch: () => Promise.reject(new Error('no boots here')) };
  const backend = createLibvirtBackend({ uri: optIn.uri, domain: optIn.name, deps: { home, hypervisor: noBoots } });
  const spec = parseVmSpec({ name: optIn.name, kernel: join(optIn.dir, 'vmlinuz'), memoryMiB: 96 }, `domain ${optIn.name}`, '/');
  await assert.rejects(backend.boot(spec, { mode: 'once', lock: undefined as never }).first);
  const cfg = report(['schedinfo', optIn.name, '--config']);
  assert.equal(cfg['cpu_shares'], '1024');
  assert.equal(cfg['global_quota'], '25000');
  const mem = report(['memtune', optIn.name, '--config']);
  assert.equal(mem['soft_limit'], String(200 * 1024));
  assert.ok(mem['hard_limit'] === String((200 + 256) * 1024) || mem['hard_limit'] === 'unlimited', JSON.stringify(mem));
  const xml = virsh(['dumpxml', '--inactive', optIn.name]).stdout;
  assert.ok(xml.includes('bootmedic:qos'), 'the metadata survives');
  assert.equal(virsh(['domstate', optIn.name]).stdout.trim(), 'shut off', 'a --config edit, no start of its own');
  for (const d of [optIn, notIn, plain]) d.remove();
});
