import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCollectLoop, createCollector, recordRound, type Round } from './collection.ts';
import type { Sample } from './metrics.ts';
import type { HostReader } from './types.ts';

const PSI = 'some avg10=2.00 avg60=1.00 avg300=0.50 total=1000000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';
const TCP_HEAD = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

/** A host made of captured text; `files` may be changed between rounds. */
function fakeHost(files: Record<string, string>, tools: Record<string, string> = {}) {
  const calls: string[] = [];
  const read: HostReader = {
    text: (p) => files[p],
    list: (p) => {
      const names = Object.keys(files).filter((f) => f.startsWith(`${p}/`)).map((f) => f.slice(p.length + 1).split('/')[0]!);
      return names.length === 0 ? undefined : [...new Set(names)];
    },
    exists: (p) => p in files,
    tool: async (name, args) => {
      calls.push([name, ...args].join(' '));
      const out = tools[[name, ...args].join(' ')];
      return name in tools || out !== undefined ? { code: 0, stdout: out ?? '' } : undefined;
    },
  };
  return { read, calls };
}

const base = (): Record<string, string> => ({
  '/proc/pressure/cpu': PSI,
  '/proc/pressure/memory': PSI,
  '/proc/pressure/io': PSI,
  '/proc/vmstat': 'pgfault 1000\npgmajfault 10\n',
  '/proc/meminfo': 'MemAvailable: 1000 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n',
  '/proc/loadavg': '0.50 0.40 0.30 1/100 1\n',
  '/proc/stat': 'cpu  100 0 100 700 0 0 0 100 0 0\n',
  '/proc/net/tcp': TCP_HEAD,
});

const value = (r: Round, name: Sample['name'], labels?: Record<string, string>) =>
  r.samples.find((s) => s.name === name && JSON.stringify(s.labels ?? {}) === JSON.stringify(labels ?? {}))?.value;

test('rates come from counter deltas over the injected clock, from the second round on', async () => {
  const files = base();
  let now = 1_000_000;
  const c = createCollector({ read: fakeHost(files).read, now: () => now });
  const r1 = await c.round();
  assert.equal(value(r1, 'bootmedic_host_page_faults_per_second'), undefined);
  assert.equal(value(r1, 'bootmedic_host_psi_some_ratio', { resource: 'io' }), 0.02);
  assert.equal(value(r1, 'bootmedic_host_memory_available_bytes'), 1024000);
  files['/proc/vmstat'] = 'pgfault 6000\npgmajfault 30\n';
  files['/proc/stat'] = 'cpu  150 0 150 1600 0 0 0 100 0 0\n'; // 1000 more ticks, none of them steal
  now += 10_000;
  const r2 = await c.round();
  assert.equal(value(r2, 'bootmedic_host_page_faults_per_second'), 500);
  assert.equal(value(r2, 'bootmedic_host_major_page_faults_per_second'), 2);
  assert.equal(value(r2, 'bootmedic_host_cpu_steal_ratio'), 0);
  files['/proc/stat'] = 'cpu  150 0 150 1700 0 0 0 200 0 0\n';
  now += 10_000;
  assert.equal(value(await c.round(), 'bootmedic_host_cpu_steal_ratio'), 0.5);
});

test('a collector with nothing to read is reported once as unavailable, exported as 0, and is not a failure', async () => {
  const c = createCollector({ read: fakeHost(base()).read, now: () => 0 });
  const r1 = await c.round();
  const names = r1.newlyUnavailable.map((u) => u.collector).sort();
  assert.deepEqual(names, ['edac', 'kvm', 'sched', 'smart']);
  assert.match(r1.newlyUnavailable.find((u) => u.collector === 'edac')!.reason, /no memory controller .* \(no ECC memory/);
  assert.match(r1.newlyUnavailable.find((u) => u.collector === 'smart')!.reason, /smartctl is not installed/);
  assert.deepEqual(r1.failures, []);
  assert.equal(value(r1, 'bootmedic_host_collector_available', { collector: 'edac' }), 0);
  assert.equal(value(r1, 'bootmedic_host_collector_available', { collector: 'psi' }), 1);
  const r2 = await c.round();
  assert.deepEqual(r2.newlyUnavailable, []);
  assert.equal(r2.host.edac.type, 'unavailable');
});

test('a malformed file fails its own collector only, with the catalogued error', async () => {
  const files = { ...base(), '/proc/loadavg': 'not a loadavg' };
  const r = await createCollector({ read: fakeHost(files).read, now: () => 0 }).round();
  assert.equal(r.failures.length, 1);
  assert.equal(r.failures[0]!.source, 'memory');
  assert.equal(r.failures[0]!.error.code, 'MONITOR_COLLECT_BAD_TEXT');
  assert.equal(value(r, 'bootmedic_host_tcp_syn_recv'), 0);
  assert.equal(value(r, 'bootmedic_host_collector_available', { collector: 'memory' }), 1);
});

test('EDAC, schedstat and KVM statistics are read where present', async () => {
  const files = {
    ...base(),
    '/sys/devices/system/edac/mc/mc0/ce_count': '4\n',
    '/sys/devices/system/edac/mc/mc0/ue_count': '0\n',
    '/sys/devices/system/edac/mc/power': '',
    '/proc/schedstat': 'version 15\ntimestamp 1\ncpu0 0 0 1 1 1 1 2000000000 500000000 3\n',
    '/dev/kvm': '',
    '/sys/kernel/debug/kvm/exits': '12345\n',
    '/sys/kernel/debug/kvm/halt_exits': '99\n',
    '/sys/kernel/debug/kvm/1234-11/vcpu0': '',
  };
  const r = await createCollector({ read: fakeHost(files).read, now: () => 0 }).round();
  assert.deepEqual(r.failures, []);
  assert.equal(value(r, 'bootmedic_host_edac_corrected_errors_total', { controller: 'mc0' }), 4);
  assert.equal(value(r, 'bootmedic_host_sched_wait_seconds_total'), 0.5);
  assert.equal(value(r, 'bootmedic_host_kvm_stat', { stat: 'exits' }), 12345);
  assert.equal(r.samples.filter((s) => s.name === 'bootmedic_host_kvm_stat').length, 2);
});

test('SMART runs smartctl with argument arrays, at most every 10 minutes, and a VM disk without SMART is unavailable', async () => {
  const tools = {
    'smartctl --scan --json': '{"devices":[{"name":"/dev/sda"},{"name":"/dev/vda"}]}',
    'smartctl --json -H -A -l error /dev/sda': '{"smart_status":{"passed":true},"ata_smart_attributes":{"table":[{"id":5,"raw":{"value":0}}]}}',
    'smartctl --json -H -A -l error /dev/vda': '{"smartctl":{}}',
  };
  const host = fakeHost(base(), tools);
  let now = 0;
  const c = createCollector({ read: host.read, now: () => now, kinds: ['smart'] });
  assert.equal(value(await c.round(), 'bootmedic_host_smart_healthy', { device: '/dev/sda' }), 1);
  now += 10_000;
  assert.equal(value(await c.round(), 'bootmedic_host_smart_media_errors_total', { device: '/dev/sda' }), 0);
  assert.equal(host.calls.length, 3, 'the second round reused the first one');
  now += 600_000;
  await c.round();
  assert.equal(host.calls.length, 6);
  const vmOnly = fakeHost(base(), { 'smartctl --scan --json': '{"devices":[{"name":"/dev/vda"}]}', 'smartctl --json -H -A -l error /dev/vda': '{}' });
  const r = await createCollector({ read: vmOnly.read, now: () => 0, kinds: ['smart'] }).round();
  assert.deepEqual(r.newlyUnavailable, [{ collector: 'smart', reason: 'no SMART data from /dev/vda (virtual disks have no SMART)' }]);
});

test('the loop runs rounds until closed or aborted, never overlapping, and recordRound keys the history by series', async () => {
  const rounds: Round[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const collector = {
    async round() {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return { at: rounds.length, samples: [{ name: 'bootmedic_host_load1' as const, value: rounds.length }], host: {} as Round['host'], newlyUnavailable: [], failures: [] };
    },
  };
  const ac = new AbortController();
  let third: () => void = () => {};
  const gotThree = new Promise<void>((r) => (third = r));
  const loop = createCollectLoop({ collector, intervalMs: 0, signal: ac.signal, onRound: (r) => (rounds.push(r), rounds.length === 3 && third()) });
  loop.start();
  loop.start();
  await gotThree;
  ac.abort();
  await loop.close();
  const n = rounds.length;
  await new Promise((r) => setImmediate(r));
  assert.equal(rounds.length, n, 'no round after close');
  assert.equal(maxInFlight, 1);
  const kept: [Map<string, number>, number][] = [];
  recordRound({ record: (v, at) => kept.push([new Map(v), at]) }, rounds[2]!);
  assert.deepEqual(kept, [[new Map([['bootmedic_host_load1', 2]]), 2]]);
});
