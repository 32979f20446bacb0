import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBootmedicError } from '../../core/index.ts';
import { countSynRecv, parseCpuTicks, parseKeyValues, parseLoadavg, parseMeminfo, parsePidRss, parsePidStat, parsePsi, parseSchedstat } from './host-parsers.ts';
import { parseSmartHealth, parseSmartScan } from './smart.ts';

const badText = (file: RegExp) => (e: unknown) => isBootmedicError(e, 'MONITOR_COLLECT_BAD_TEXT') && file.test(e.message);

test('PSI: some and full lines, avg10 in percent and total in µs; cpu without full is kept', () => {
  const p = parsePsi('/proc/pressure/io', 'some avg10=1.50 avg60=0.80 avg300=0.10 total=123456\nfull avg10=0.25 avg60=0.00 avg300=0.00 total=4000\n');
  assert.deepEqual(p, { some: { avg10: 1.5, avg60: 0.8, avg300: 0.1, totalUs: 123456 }, full: { avg10: 0.25, avg60: 0, avg300: 0, totalUs: 4000 } });
  assert.equal(parsePsi('/proc/pressure/cpu', 'some avg10=0.00 avg60=0.00 avg300=0.00 total=7\n').full, undefined);
  assert.throws(() => parsePsi('/proc/pressure/io', 'some avg10=x total=1\n'), badText(/^\/proc\/pressure\/io: line 'some avg10=x/));
  assert.throws(() => parsePsi('/proc/pressure/io', ''), badText(/no "some" line/));
});

test('vmstat and meminfo keep the asked keys, in bytes for meminfo, and name a missing one', () => {
  const vm = parseKeyValues('/proc/vmstat', 'nr_free_pages 1000\npgfault 98765\npgmajfault 12\n', ['pgfault', 'pgmajfault'] as const);
  assert.deepEqual(vm, { pgfault: 98765, pgmajfault: 12 });
  assert.throws(() => parseKeyValues('/proc/vmstat', 'pgfault 1\n', ['pgfault', 'pgmajfault'] as const), badText(/\/proc\/vmstat: no 'pgmajfault' line/));
  assert.throws(() => parseKeyValues('/proc/vmstat', 'pgfault -1\npgmajfault 0\n', ['pgfault', 'pgmajfault'] as const), badText(/pgfault is '-1'/));
  const mem = parseMeminfo('/proc/meminfo', 'MemTotal:        8000000 kB\nMemAvailable:    2000 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\nHugePages_Total:       0\n', ['MemAvailable', 'SwapTotal', 'SwapFree'] as const);
  assert.deepEqual(mem, { MemAvailable: 2048000, SwapTotal: 0, SwapFree: 0 });
  assert.throws(() => parseMeminfo('/proc/meminfo', 'MemTotal: 1 kB\n', ['MemAvailable'] as const), badText(/no 'MemAvailable:' line/));
  assert.equal(parsePidRss('/proc/42/status', 'Name:\tqemu-system-x86\nVmRSS:\t  51200 kB\n'), 51200 * 1024);
});

test('loadavg, the aggregate cpu line of /proc/stat and a process stat with spaces and parentheses in its name', () => {
  assert.deepEqual(parseLoadavg('/proc/loadavg', '0.52 1.10 2.00 3/269 27453\n'), { load1: 0.52, load5: 1.1, load15: 2 });
  assert.throws(() => parseLoadavg('/proc/loadavg', 'garbage'), badText(/\/proc\/loadavg/));
  const stat = 'cpu  100 5 50 800 10 1 2 32 7 0\ncpu0 50 2 25 400 5 0 1 16 3 0\nintr 1 2\n';
  assert.deepEqual(parseCpuTicks('/proc/stat', stat), { steal: 32, total: 100 + 5 + 50 + 800 + 10 + 1 + 2 + 32 });
  assert.throws(() => parseCpuTicks('/proc/stat', 'cpu  1 2 3\n'), badText(/at least 8/));
  assert.throws(() => parseCpuTicks('/proc/stat', 'intr 1\n'), badText(/no aggregate 'cpu' line/));
  // comm may hold spaces and ')'; fields count from the last ')'. utime 250, stime 50 ticks.
  const pid = '4242 (qemu (x) y) S 1 4242 4242 0 -1 4194560 9000 0 3 0 250 50 0 0 20 0 4 0 12345 1000000 500 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0';
  assert.deepEqual(parsePidStat('/proc/4242/stat', pid), { cpuSeconds: 3 });
  assert.throws(() => parsePidStat('/proc/4242/stat', '4242 (qemu) S 1'), badText(/utime/));
});

test('SYN_RECV sockets are counted by their state column; a file without the header is refused', () => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0',
    '   1: 0100007F:0016 0100007F:C350 03 00000000:00000000 02:00000064 00000000     0        0 0 0 0000000000000000',
    '   2: 0100007F:0016 0100007F:C351 03 00000000:00000000 02:00000064 00000000     0        0 0 0 0000000000000000',
    '   3: 0100007F:0016 0100007F:C352 01 00000000:00000000 00:00000000 00000000     0        0 5678 1 0000000000000000 20 4 30 10 -1',
    '',
  ].join('\n');
  assert.equal(countSynRecv('/proc/net/tcp', tcp), 2);
  const tcp6 = [
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000000000000000000001000000:0016 00000000000000000000000001000000:D431 03 00000000:00000000 02:00000064 00000000     0        0 0 0 0000000000000000',
    '',
  ].join('\n');
  assert.equal(countSynRecv('/proc/net/tcp6', tcp6), 1);
  assert.throws(() => countSynRecv('/proc/net/tcp', 'hello\n'), badText(/\/proc\/net\/tcp: the header/));
  assert.throws(() => countSynRecv('/proc/net/tcp', `${tcp.split('\n')[0]}\n   0: x\n`), badText(/no state column/));
});

test('schedstat sums running and waiting time over CPUs and refuses an old version', () => {
  const text = 'version 15\ntimestamp 4295\ncpu0 0 0 10 2 5 1 1000000000 250000000 40\ndomain0 3 1 2 3\ncpu1 0 0 8 1 4 1 3000000000 750000000 30\n';
  assert.deepEqual(parseSchedstat('/proc/schedstat', text), { runNs: 4e9, waitNs: 1e9, cpus: 2 });
  assert.throws(() => parseSchedstat('/proc/schedstat', 'version 14\ncpu0 1 2 3\n'), badText(/'version 15' or later/));
  assert.throws(() => parseSchedstat('/proc/schedstat', 'version 15\ncpu0 1 2\n'), badText(/cpu0 running time/));
});

test('smartctl JSON: scan lists devices; NVMe and ATA health; a disk without SMART gives nothing; not-JSON is refused', () => {
  assert.deepEqual(parseSmartScan('{"devices":[{"name":"/dev/sda","type":"sat"},{"name":"/dev/nvme0","type":"nvme"}]}'), ['/dev/sda', '/dev/nvme0']);
  assert.deepEqual(parseSmartScan('{"smartctl":{"exit_status":0}}'), []);
  const nvme = '{"smart_status":{"passed":true},"nvme_smart_health_information_log":{"media_errors":2,"num_err_log_entries":17}}';
  assert.deepEqual(parseSmartHealth('/dev/nvme0', nvme), { device: '/dev/nvme0', passed: true, mediaErrors: 2, errorLogEntries: 17 });
  const ata = '{"smart_status":{"passed":false},"ata_smart_attributes":{"table":[{"id":1,"raw":{"value":9}},{"id":5,"raw":{"value":8}}]},"ata_smart_error_log":{"summary":{"count":3}}}';
  assert.deepEqual(parseSmartHealth('/dev/sda', ata), { device: '/dev/sda', passed: false, mediaErrors: 8, errorLogEntries: 3 });
  assert.equal(parseSmartHealth('/dev/vda', '{"smartctl":{"messages":[{"string":"Unable to detect device type"}]}}'), undefined);
  assert.throws(() => parseSmartHealth('/dev/sda', 'Segmentation fault'), badText(/smartctl --json: output for \/dev\/sda is not JSON/));
  assert.throws(() => parseSmartScan('{"devices":7}'), badText(/not a list/));
});
