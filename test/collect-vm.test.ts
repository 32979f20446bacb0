// Real QEMU (TCG): one collection round of a running tiny guest reads query-blockstats,
// query-cpus-fast and QEMU's RSS and CPU time, and the fake QMP replies the unit tests use
// (testkit/qmp-stats.ts) have the fields a real QEMU sends.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseVmSpec } from '../src/config/index.ts';
import { createQemuHypervisor } from '../src/hypervisor/index.ts';
import { guestSource } from '../src/guest/index.ts';
import { createCollector, qemuVmSource, renderExposition } from '../src/monitor/index.ts';
import { QMP_STATS_REPLIES } from '../testkit/index.ts';
import { app, runDir, skipWithoutTiny } from './hypervisor-helpers.ts';

const skip = skipWithoutTiny();

// idle_time_ns appears only after a device's first I/O.
const keys = (v: unknown) => Object.keys(v as object).filter((k) => k !== 'idle_time_ns').sort();

test('a running tiny guest gives block stats per drive, its vCPU count, and QEMU RSS and CPU time', { skip, timeout: 180_000 }, async () => {
  const dir = runDir('collect');
  const disk = join(dir, 'data.raw');
  writeFileSync(disk, Buffer.alloc(1 << 20));
  const spec = parseVmSpec({ name: 'tiny', guest: 'tiny', accel: 'tcg', disks: [{ path: disk, format: 'raw' }] }, 'test', dir);
  const vm = await createQemuHypervisor(app, { guests: guestSource(app) }).launch(spec, { runDir: dir, accel: 'tcg' });
  try {
    const qmp = (c: string, a?: Record<string, unknown>) => vm.qmp(c, a);
    const round = await createCollector({ kinds: [] }).round([qemuVmSource({ vm: 'tiny', qmp, pid: vm.pid })]);
    assert.deepEqual(round.failures, []);
    const names = new Set(round.samples.map((s) => s.name));
    for (const n of ['bootmedic_vm_block_read_bytes_total', 'bootmedic_vm_block_failed_ops_total', 'bootmedic_vm_vcpus', 'bootmedic_vm_qemu_rss_bytes', 'bootmedic_vm_qemu_cpu_seconds_total'] as const) assert.ok(names.has(n), `${n} collected`);
    // No balloon device: QEMU answers DeviceNotActive, which is absence, not failure.
    assert.ok(!names.has('bootmedic_vm_balloon_actual_bytes'));
    const get = (n: string) => round.samples.find((s) => s.name === n)?.value ?? -1;
    assert.equal(get('bootmedic_vm_vcpus'), 1);
    assert.ok(get('bootmedic_vm_qemu_rss_bytes') > 10 << 20, 'QEMU holds more than 10 MB resident');
    assert.ok(round.samples.some((s) => s.name === 'bootmedic_vm_block_read_bytes_total' && s.labels?.['device'] !== undefined));
    assert.match(renderExposition(round.samples), /^bootmedic_vm_vcpus\{vm="tiny"\} 1$/m);

    // The fake's replies carry every field the real ones do.
    const real = (await vm.qmp('query-blockstats')) as { stats: object }[];
    const fake = (QMP_STATS_REPLIES['query-blockstats'] as { return: { stats: object }[] }).return;
    assert.deepEqual(keys(fake[0]!.stats), keys(real[0]!.stats));
    const realCpu = ((await vm.qmp('query-cpus-fast')) as object[])[0];
    const fakeCpu = (QMP_STATS_REPLIES['query-cpus-fast'] as { return: object[] }).return[0];
    assert.deepEqual(keys(fakeCpu), keys(realCpu));
  } finally {
    await vm.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
