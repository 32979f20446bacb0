// Scripted QMP replies for metric collection, in the shapes QEMU 7.2 sends (QMP reference:
// BlockStats, CpuInfoFast, BalloonInfo, and the virtio-balloon guest-stats property).
// test/collect-vm.test.ts checks a real QEMU answers the same fields.
import type { FakeQmpOptions } from './fake-qmp.ts';

// The BlockDeviceStats fields of QEMU 7.2; idle_time_ns appears once the device has done I/O.
const blockStats = (rd: number, wr: number) => ({
  rd_bytes: rd, wr_bytes: wr, unmap_bytes: 0,
  rd_operations: rd / 512, wr_operations: wr / 512, flush_operations: 3, unmap_operations: 0,
  rd_total_time_ns: 1_000_000, wr_total_time_ns: 2_000_000, flush_total_time_ns: 0, unmap_total_time_ns: 0,
  wr_highest_offset: wr, rd_merged: 0, wr_merged: 0, unmap_merged: 0,
  failed_rd_operations: 1, failed_wr_operations: 0, failed_flush_operations: 0, failed_unmap_operations: 0,
  invalid_rd_operations: 0, invalid_wr_operations: 0, invalid_flush_operations: 0, invalid_unmap_operations: 0,
  idle_time_ns: 5_000_000, account_invalid: true, account_failed: true,
  timed_stats: [],
});

/** Replies of a VM with one virtio disk, two vCPUs and a balloon polling guest statistics. */
export const QMP_STATS_REPLIES: NonNullable<FakeQmpOptions['replies']> = {
  'query-blockstats': {
    return: [
      { device: 'drive0', 'node-name': '#block123', qdev: '/machine/peripheral-anon/device[0]/virtio-backend', stats: blockStats(1_048_576, 4096), parent: { 'node-name': '#block045', stats: blockStats(0, 0), 'driver-specific': { driver: 'file', 'discard-nb-ok': 0, 'discard-nb-failed': 0, 'discard-bytes-ok': 0 } } },
      { device: '', qdev: '/machine/unattached/device[23]', stats: blockStats(0, 0) },
    ],
  },
  'query-cpus-fast': {
    return: [
      { 'cpu-index': 0, 'qom-path': '/machine/unattached/device[0]', 'thread-id': 1001, props: { 'core-id': 0, 'thread-id': 0, 'socket-id': 0 }, target: 'x86_64' },
      { 'cpu-index': 1, 'qom-path': '/machine/unattached/device[1]', 'thread-id': 1002, props: { 'core-id': 0, 'thread-id': 0, 'socket-id': 1 }, target: 'x86_64' },
    ],
  },
  'query-balloon': { return: { actual: 268_435_456 } },
  'qom-get': { return: { stats: { 'stat-free-memory': 200_000_000, 'stat-total-memory': 260_000_000, 'stat-swap-in': 0 }, 'last-update': 1_700_000_000 } },
};
