import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectQmp } from '../../hypervisor/index.ts';
import { QMP_STATS_REPLIES } from '../../../testkit/index.ts';
import { startFakeQmp } from '../../../testkit/index.ts';
import { createCollector } from './collection.ts';
import { realHostReader } from './host.ts';
import { qemuVmSource } from './vm.ts';

async function withFake<T>(replies: typeof QMP_STATS_REPLIES, fn: (qmp: Awaited<ReturnType<typeof connectQmp>>) => Promise<T>): Promise<T> {
  const fake = await startFakeQmp({ replies });
  const qmp = await connectQmp(fake.path, { timeoutMs: 5000 });
  try {
    return await fn(qmp);
  } finally {
    qmp.close();
    await fake.close();
  }
}

test('a QEMU VM gives block I/O and errors per drive, vCPUs, balloon, guest free memory, and its process RSS and CPU', async () => {
  await withFake(QMP_STATS_REPLIES, async (qmp) => {
    // This test's own process stands in for QEMU's: its /proc files are real.
    const src = qemuVmSource({ vm: 'tiny', qmp: (c, a) => qmp.execute(c, a), pid: process.pid, balloonPath: '/machine/peripheral/balloon0' }, realHostReader);
    const o = await src.collect();
    assert.equal(o.type, 'ok');
    if (o.type !== 'ok') return;
    const get = (name: string, labels: Record<string, string> = { vm: 'tiny' }) => o.samples.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
    const drive = { vm: 'tiny', device: 'drive0' };
    assert.equal(get('bootmedic_vm_block_read_bytes_total', drive), 1_048_576);
    assert.equal(get('bootmedic_vm_block_write_ops_total', drive), 8);
    assert.equal(get('bootmedic_vm_block_failed_ops_total', drive), 1);
    // A drive without a name is labelled by its qdev path.
    assert.equal(get('bootmedic_vm_block_read_bytes_total', { vm: 'tiny', device: '/machine/unattached/device[23]' }), 0);
    assert.equal(get('bootmedic_vm_vcpus'), 2);
    assert.equal(get('bootmedic_vm_balloon_actual_bytes'), 268_435_456);
    assert.equal(get('bootmedic_vm_guest_free_memory_bytes'), 200_000_000);
    assert.ok((get('bootmedic_vm_qemu_rss_bytes') ?? 0) > 1_000_000, 'a node process has more than 1 MB resident');
    assert.ok((get('bootmedic_vm_qemu_cpu_seconds_total') ?? -1) >= 0);
  });
});

test('a VM without a balloon, or whose guest has not reported, gives the rest; a malformed reply fails that VM only', async () => {
  const noBalloon = { ...QMP_STATS_REPLIES, 'query-balloon': { error: { class: 'DeviceNotActive', desc: 'No balloon device has been activated' } } };
  await withFake(noBalloon, async (qmp) => {
    const o = await qemuVmSource({ vm: 'a', qmp: (c, a) => qmp.execute(c, a), balloonPath: '/machine/peripheral/balloon0' }, realHostReader).collect();
    assert.equal(o.type, 'ok');
    assert.ok(o.type === 'ok' && !o.samples.some((s) => s.name.startsWith('bootmedic_vm_balloon') || s.name === 'bootmedic_vm_guest_free_memory_bytes'));
    assert.ok(o.type === 'ok' && o.samples.some((s) => s.name === 'bootmedic_vm_vcpus'));
  });
  const notPolled = { ...QMP_STATS_REPLIES, 'qom-get': { return: { stats: { 'stat-free-memory': -1 }, 'last-update': 0 } } };
  await withFake(notPolled, async (qmp) => {
    const o = await qemuVmSource({ vm: 'a', qmp: (c, a) => qmp.execute(c, a), balloonPath: '/machine/peripheral/balloon0' }, realHostReader).collect();
    assert.ok(o.type === 'ok' && !o.samples.some((s) => s.name === 'bootmedic_vm_guest_free_memory_bytes'));
  });
  const broken = { ...QMP_STATS_REPLIES, 'query-blockstats': { return: [{ device: 'drive0', stats: { rd_bytes: 'lots' } }] } };
  await withFake(broken, async (qmp) => {
    const good = await startFakeQmp({ replies: QMP_STATS_REPLIES });
    const qmp2 = await connectQmp(good.path, { timeoutMs: 5000 });
    try {
      const r = await createCollector({ kinds: [] }).round([qemuVmSource({ vm: 'bad', qmp: (c, a) => qmp.execute(c, a) }, realHostReader), qemuVmSource({ vm: 'good', qmp: (c, a) => qmp2.execute(c, a) }, realHostReader)]);
      assert.equal(r.failures.length, 1);
      assert.equal(r.failures[0]!.source, 'vm bad');
      assert.equal(r.failures[0]!.error.code, 'MONITOR_COLLECT_BAD_QMP');
      assert.match(r.failures[0]!.error.message, /query-blockstats: rd_bytes is "lots"/);
      assert.ok(r.samples.some((s) => s.labels?.['vm'] === 'good'));
    } finally {
      qmp2.close();
      await good.close();
    }
  });
});
