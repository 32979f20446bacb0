import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../../testkit/index.ts';

test('monitor host --json: every collector is ok, unavailable with a reason, or failed with a code; none fails on this host', async () => {
  const r = await runCli(['monitor', 'host', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { at: string; collectors: Record<string, { status: string; reason?: string; samples?: { name: string; value: number }[] }> };
  assert.deepEqual(Object.keys(j.collectors).sort(), ['edac', 'faults', 'kvm', 'memory', 'psi', 'sched', 'smart', 'steal', 'tcp']);
  for (const [kind, c] of Object.entries(j.collectors)) {
    assert.ok(c.status === 'ok' || (c.status === 'unavailable' && (c.reason ?? '').length > 0), `${kind}: ${JSON.stringify(c)}`);
  }
  // /proc/meminfo and /proc/loadavg exist on every Linux; the second reading gives a fault rate.
  assert.ok(j.collectors['memory']!.samples!.some((s) => s.name === 'bootmedic_host_memory_available_bytes' && s.value > 0));
  assert.ok(j.collectors['faults']!.samples!.some((s) => s.name === 'bootmedic_host_page_faults_per_second'));
});

test('monitor host prints "not available on this host" lines; a wrong view or argument is a usage error', async () => {
  const r = await runCli(['monitor', 'host']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^memory +bootmedic_host_memory_available_bytes +\d+$/m);
  // SMART has no disk to read here (a VM, or no smartctl) unless smartctl finds a real disk.
  assert.match(r.stdout, /^smart +(not available on this host: .+|bootmedic_host_smart_healthy.*)$/m);
  const bad = await runCli(['monitor', 'disks']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /unknown monitor view 'disks' \(known: host\)/);
  assert.equal((await runCli(['monitor', 'host', 'extra'])).code, 64);
  assert.equal((await runCli(['monitor'])).code, 64);
});
