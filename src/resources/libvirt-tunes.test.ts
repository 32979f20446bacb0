import assert from 'node:assert/strict';
import { test } from 'node:test';
import { libvirtTuneCalls, libvirtTunes, libvirtTuneXml } from './libvirt-tunes.ts';

test('guaranteed: high shares, the whole domain capped at its own vCPUs, its memory plus QEMU overhead as hard and soft limit, no min_guarantee, no locked memory', () => {
  const t = libvirtTunes({ name: 'g', memoryMiB: 512, cpus: 2, qos: 'guaranteed' });
  assert.deepEqual(t, {
    cputune: { shares: 10240, globalPeriod: 100000, globalQuota: 200000 },
    memtune: { hardLimitKiB: 768 * 1024, softLimitKiB: 768 * 1024 },
    blkiotune: { devices: [] },
  });
  const xml = libvirtTuneXml(t);
  assert.equal(xml, "<cputune><shares>10240</shares><global_period>100000</global_period><global_quota>200000</global_quota></cputune>\n<memtune><hard_limit unit='KiB'>786432</hard_limit><soft_limit unit='KiB'>786432</soft_limit></memtune>");
  assert.doesNotMatch(xml, /min_guarantee|locked|memoryBacking/);
});

test('guaranteed with limits: the CPU limit is the quota, a memory limit below memory + overhead lowers both limits', () => {
  const t = libvirtTunes({ name: 'g', memoryMiB: 512, cpus: 2, qos: 'guaranteed', limits: { cpus: 0.5, memoryMiB: 600 } });
  assert.deepEqual(t.cputune, { shares: 10240, globalPeriod: 100000, globalQuota: 50000 });
  assert.deepEqual(t.memtune, { hardLimitKiB: 600 * 1024, softLimitKiB: 600 * 1024 });
  // A tiny CPU limit is held at 1 ms per period (the kernel's floor for cfs quota).
  assert.equal(libvirtTunes({ name: 'g', memoryMiB: 64, cpus: 1, qos: 'guaranteed', limits: { cpus: 0.001 } }).cputune.globalQuota, 1000);
});

test('burstable: default shares and only the limits it names; without limits the memory is unlimited (left out of the XML)', () => {
  const plain = libvirtTunes({ name: 'b', memoryMiB: 512, cpus: 2, qos: 'burstable' });
  assert.deepEqual(plain, { cputune: { shares: 1024 }, memtune: { hardLimitKiB: 'unlimited', softLimitKiB: 'unlimited' }, blkiotune: { devices: [] } });
  assert.equal(libvirtTuneXml(plain), '<cputune><shares>1024</shares></cputune>');
  const lim = libvirtTunes({ name: 'b', memoryMiB: 512, cpus: 2, qos: 'burstable', limits: { cpus: 1, memoryMiB: 400 } });
  assert.deepEqual(lim.cputune, { shares: 1024, globalPeriod: 100000, globalQuota: 100000 });
  assert.deepEqual(lim.memtune, { hardLimitKiB: 656 * 1024, softLimitKiB: 400 * 1024 });
});

test('block I/O: a weight only where the host offers one; iops and bytes limits throttle each host device once', () => {
  const v = { name: 'io', memoryMiB: 128, cpus: 1, qos: 'guaranteed', limits: { iops: 100, bytesPerSecond: 1 << 20 } } as const;
  assert.deepEqual(libvirtTunes(v, { devices: ['/dev/vda', '/dev/vda'] }).blkiotune, { devices: [{ path: '/dev/vda', iops: 100, bytesPerSecond: 1 << 20 }] });
  assert.deepEqual(libvirtTunes(v, { blkioWeight: true }).blkiotune, { weight: 1000, devices: [] });
  assert.equal(libvirtTunes({ ...v, qos: 'burstable' }, { blkioWeight: true }).blkiotune.weight, 500);
  assert.deepEqual(libvirtTunes({ name: 'n', memoryMiB: 128, cpus: 1, qos: 'burstable' }, { devices: ['/dev/vda'] }).blkiotune, { devices: [] }, 'no limit, no throttle');
  const xml = libvirtTuneXml(libvirtTunes({ ...v, limits: { iops: 50 } }, { devices: ['/dev/vda'], blkioWeight: true }));
  assert.match(xml, /<blkiotune><weight>1000<\/weight><device><path>\/dev\/vda<\/path><read_iops_sec>50<\/read_iops_sec><write_iops_sec>50<\/write_iops_sec><\/device><\/blkiotune>/);
  assert.doesNotMatch(xml, /bytes_sec/);
});

test('the virsh --config calls: one schedinfo, one memtune with both limits (-1 resets), one blkiotune when there is anything to set', () => {
  const g = libvirtTunes({ name: 'g', memoryMiB: 256, cpus: 1, qos: 'guaranteed', limits: { iops: 10 } }, { devices: ['/dev/vda', '/dev/vdb'] });
  assert.deepEqual(libvirtTuneCalls('web', g), [
    ['schedinfo', 'web', '--config', '--set', 'cpu_shares=10240', '--set', 'global_period=100000', '--set', 'global_quota=100000'],
    ['memtune', 'web', '--config', '--hard-limit', String(512 * 1024), '--soft-limit', String(512 * 1024)],
    ['blkiotune', 'web', '--config', '--device-read-iops-sec', '/dev/vda,10,/dev/vdb,10', '--device-write-iops-sec', '/dev/vda,10,/dev/vdb,10'],
  ]);
  // A domain moved back to burstable loses its old quota and limits.
  assert.deepEqual(libvirtTuneCalls('web', libvirtTunes({ name: 'b', memoryMiB: 256, cpus: 1, qos: 'burstable' })), [
    ['schedinfo', 'web', '--config', '--set', 'cpu_shares=1024', '--set', 'global_period=100000', '--set', 'global_quota=-1'],
    ['memtune', 'web', '--config', '--hard-limit', '-1', '--soft-limit', '-1'],
  ]);
});

test('a device path is escaped in the XML', () => {
  assert.match(libvirtTuneXml(libvirtTunes({ name: 'x', memoryMiB: 64, cpus: 1, qos: 'burstable', limits: { iops: 1 } }, { devices: ["/dev/disk/by-id/a'<b"] })), /<path>\/dev\/disk\/by-id\/a&apos;&lt;b<\/path>/);
});

test('where libvirtd cannot raise the locked-memory limit, the hard limit is left out (the domain would not start) and the reason is given; the soft limit stays', () => {
  const t = libvirtTunes({ name: 'g', memoryMiB: 128, cpus: 1, qos: 'guaranteed' }, { hardLimit: false });
  assert.deepEqual(t.memtune, { hardLimitKiB: 'unlimited', softLimitKiB: 384 * 1024 });
  assert.match(t.omitted ?? '', /^hard_limit 393216 KiB left out: .*CAP_SYS_RESOURCE/);
  assert.equal(libvirtTuneXml(t).includes('hard_limit'), false);
  assert.equal(libvirtTunes({ name: 'b', memoryMiB: 128, cpus: 1, qos: 'burstable' }, { hardLimit: false }).omitted, undefined, 'nothing asked, nothing left out');
});
