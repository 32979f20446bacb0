import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHub, type ServiceEvent, type VmState } from '../service/index.ts';
import { runToolSync } from '../core/index.ts';
import { bootEvents, handedOverIncidentEvents, hasTool, healedIncidentEvents, outcomeOf } from '../../testkit/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store/index.ts';
import { createAlerter, createMetrics, metricsSeed } from './index.ts';
import { createManualTimers } from '../../testkit/index.ts';

/** The exposition's samples as series → value (comments left out). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

const publishAll = (hub: ReturnType<typeof createHub>, events: ServiceEvent[]) => events.forEach((e) => hub.publish(e));

test('a failed boot, its healing and a ready boot give the counts, gauges and histograms', async () => {
  const hub = createHub();
  let perf = 10_000;
  const metrics = createMetrics(hub, { perfNow: () => perf, ledgerSize: 7 });
  // The console line arrives at boot-clock 5100 ms, received at process time 10_000: the boot started at 4900.
  const failed = bootEvents('web1', 'b1', 'failed', 4900 + 5200 + 30);
  for (const e of failed) {
    hub.publish(e);
  }
  perf = 20_000;
  publishAll(hub, healedIncidentEvents('web1', 'i1', { mttrMs: 42_000 }));
  publishAll(hub, bootEvents('web1', 'b2', 'ready', 0));
  hub.publish({ kind: 'ledger', size: 12 });
  const s = samples(await metrics.render());
  assert.equal(s.get('bootmedic_boots_total{vm="web1",verdict="failed"}'), 1);
  assert.equal(s.get('bootmedic_boots_total{vm="web1",verdict="ready"}'), 1);
  assert.equal(s.get('bootmedic_boots_total{vm="web1",verdict="stalled"}'), 0, 'every verdict starts at 0 so rate() works');
  assert.equal(s.get('bootmedic_failures_total{cause="finding",layer="guest-kernel",component="kernel"}'), 1);
  assert.equal(s.get('bootmedic_incidents_open'), 0);
  assert.equal(s.get('bootmedic_incidents_closed_total{status="recovered"}'), 1);
  assert.equal(s.get('bootmedic_mttr_seconds_count'), 1);
  assert.equal(s.get('bootmedic_mttr_seconds_sum'), 42);
  assert.equal(s.get('bootmedic_heal_actions_total{remedy="restore-boot-artefacts",result="ready"}'), 1);
  assert.equal(s.get('bootmedic_ledger_entries'), 12);
  assert.equal(s.get('bootmedic_vm_up{vm="web1"}'), 1);
  assert.equal(s.get('bootmedic_vm_state{vm="web1",state="ready"}'), 1);
  assert.equal(s.get('bootmedic_vm_state{vm="web1",state="failed"}'), 0);
  // Detection: verdict at 30 ms after the deciding chunk's arrival.
  assert.equal(s.get('bootmedic_detection_latency_seconds_count'), 1);
  assert.ok(Math.abs(s.get('bootmedic_detection_latency_seconds_sum')! - 0.03) < 1e-9, `latency ${s.get('bootmedic_detection_latency_seconds_sum')}`);
  // Phases: the ready boot's firmware (0.8 s), kernel (3.2 s), initramfs (1 s), init (1 s), plus the failed boot's firmware.
  assert.equal(s.get('bootmedic_boot_phase_duration_seconds_count{phase="firmware"}'), 2);
  assert.equal(s.get('bootmedic_boot_phase_duration_seconds_sum{phase="kernel"}'), 3.2);
  assert.equal(s.get('bootmedic_boot_phase_duration_seconds_count{phase="ready"}'), undefined, 'ready is no phase with a duration');
  assert.equal(s.get('bootmedic_boot_duration_seconds_count'), 1);
  metrics.close();
});

test('counters start at 0 for every label set they can take, so increase() sees the first event', async () => {
  const metrics = createMetrics(createHub(), { remedies: ['retry', 'more-memory'] });
  const s = samples(await metrics.render());
  assert.equal(s.get('bootmedic_failures_total{cause="stall",layer="guest-kernel",component="kernel"}'), 0);
  assert.equal(s.get('bootmedic_failures_total{cause="qemu-exit",layer="hypervisor",component="hypervisor"}'), 0);
  assert.equal(s.get('bootmedic_heal_actions_total{remedy="more-memory",result="error"}'), 0);
  assert.equal(s.get('bootmedic_incidents_closed_total{status="shutdown"}'), 0);
  const failureSeries = [...s.keys()].filter((k) => k.startsWith('bootmedic_failures_total'));
  assert.ok(failureSeries.length > 20 && failureSeries.length <= 6 * 8 * 7, `${failureSeries.length} failure series, bounded`);
  metrics.close();
});

test('labels are bounded: no boot ids or evidence, unknown remedies and results become "other"', async () => {
  const hub = createHub();
  const metrics = createMetrics(hub, { remedies: ['retry'] });
  publishAll(hub, bootEvents('db', 'boot-0123456789', 'failed'));
  hub.publish({ kind: 'heal', vm: 'db', event: { type: 'result', incidentId: 'i9', seq: 1, remedy: 'made-up <remedy>', status: 'error', fixed: false } });
  hub.publish({ kind: 'heal', vm: 'db', event: { type: 'result', incidentId: 'i9', seq: 2, remedy: 'retry', status: 'weird' as never, fixed: false } });
  // A finding whose layer is not in the vocabulary (a hand-written kb rule, say).
  const odd = outcomeOf({ vm: 'db', bootId: 'b2', status: 'failed' });
  hub.publish({ kind: 'boot', vm: 'db', event: { type: 'outcome', outcome: { ...odd, findings: [{ ...odd.findings[0]!, layer: 'cosmic-rays' as never }] } } });
  const text = await metrics.render();
  assert.doesNotMatch(text, /boot-0123456789|Unable to mount|made-up/);
  const s = samples(text);
  assert.equal(s.get('bootmedic_heal_actions_total{remedy="other",result="error"}'), 1);
  assert.equal(s.get('bootmedic_heal_actions_total{remedy="retry",result="other"}'), 1);
  assert.equal(s.get('bootmedic_failures_total{cause="finding",layer="other",component="kernel"}'), 1);
  metrics.close();
});

test('the fleet bounds the vm label: removed VMs lose their series, new ones start at 0 with their state', async () => {
  const hub = createHub();
  let fleet: { name: string; state: VmState }[] = [{ name: 'a', state: 'booting' }, { name: 'b', state: 'ready' }];
  const metrics = createMetrics(hub, {
    fleet: () => fleet,
    hostSamples: () => [
      { name: 'bootmedic_host_load1', value: 0.5 },
      { name: 'bootmedic_vm_vcpus', value: 2, labels: { vm: 'a' } },
      { name: 'bootmedic_vm_vcpus', value: 1, labels: { vm: 'gone' } },
      { name: 'bootmedic_vm_vcpus', value: 1, labels: { vm: 'x'.repeat(300) } },
    ],
  });
  let s = samples(await metrics.render());
  assert.equal(s.get('bootmedic_boots_total{vm="a",verdict="ready"}'), 0);
  assert.equal(s.get('bootmedic_vm_up{vm="b"}'), 1);
  assert.equal(s.get('bootmedic_vm_up{vm="a"}'), 0);
  assert.equal(s.get('bootmedic_vm_state{vm="a",state="booting"}'), 1);
  assert.equal(s.get('bootmedic_vms'), 2);
  assert.equal(s.get('bootmedic_host_load1'), 0.5, 'host gauges are appended');
  assert.equal(s.get('bootmedic_vm_vcpus{vm="a"}'), 2);
  assert.equal(s.get('bootmedic_vm_vcpus{vm="gone"}'), undefined, 'VM samples of unwatched VMs are left out');
  // A VM outside the config (a drill's scratch VM, say) never becomes a label value.
  publishAll(hub, bootEvents('scratch', 's1', 'ready'));
  assert.doesNotMatch(await metrics.registry.metrics(), /vm="scratch"/, 'not even between scrapes');
  fleet = [{ name: 'b', state: 'failed' }, { name: 'c', state: 'starting' }];
  const text = await metrics.render();
  s = samples(text);
  assert.doesNotMatch(text, /vm="a"/);
  assert.equal(s.get('bootmedic_vm_up{vm="b"}'), 0);
  assert.equal(s.get('bootmedic_vm_state{vm="b",state="failed"}'), 1);
  assert.equal(s.get('bootmedic_boots_total{vm="c",verdict="failed"}'), 0);
  metrics.close();
});

test('without a fleet, VMs are learnt from events up to maxVms, and an over-long name is never a label', async () => {
  const hub = createHub();
  const metrics = createMetrics(hub, { maxVms: 2 });
  for (const vm of ['a', 'b', 'c', 'v'.repeat(200)]) hub.publish({ kind: 'vm-state', vm, state: 'booting' });
  const text = await metrics.render();
  assert.match(text, /bootmedic_vm_up\{vm="b"\} 0/);
  assert.doesNotMatch(text, /vm="c"|vvvv/);
  assert.equal(samples(text).get('bootmedic_vms'), 2);
  metrics.close();
});

test('open incidents: seeded at start, resumed ones count, hand-overs close them; SSE clients from the callback', async () => {
  const hub = createHub();
  const metrics = createMetrics(hub, { openIncidents: [{ id: 'old', vm: 'x' }], sseClients: () => 3 });
  assert.equal(samples(await metrics.render()).get('bootmedic_incidents_open'), 1);
  hub.publish({ kind: 'heal', vm: 'x', event: { type: 'incident-resumed', incidentId: 'old', vm: 'x', completedSteps: 1 } });
  hub.publish({ kind: 'heal', vm: 'y', event: { type: 'incident-opened', incidentId: 'new', vm: 'y', detectedAt: 1 } });
  assert.equal(samples(await metrics.render()).get('bootmedic_incidents_open'), 2);
  publishAll(hub, handedOverIncidentEvents('y', 'new'));
  const s = samples(await metrics.render());
  assert.equal(s.get('bootmedic_incidents_open'), 1);
  assert.equal(s.get('bootmedic_incidents_closed_total{status="handed-over"}'), 1);
  assert.equal(s.get('bootmedic_mttr_seconds_count'), 0, 'a hand-over is no recovery');
  assert.equal(s.get('bootmedic_sse_clients'), 3);
  metrics.close();
  hub.publish({ kind: 'ledger', size: 99 });
  assert.notEqual(samples(await metrics.render()).get('bootmedic_ledger_entries'), 99, 'close() unsubscribes');
});

test('names() lists every family render() exposes, the host and VM gauges included', async () => {
  const hub = createHub();
  const metrics = createMetrics(hub, { sseClients: () => 0, hostSamples: () => [{ name: 'bootmedic_host_load1', value: 1 }] });
  publishAll(hub, bootEvents('a', 'b1', 'failed', 1));
  const families = [...(await metrics.render()).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!);
  for (const f of families) assert.ok(metrics.names().includes(f), `${f} missing from names()`);
  assert.ok(metrics.names().includes('bootmedic_vm_qemu_rss_bytes'));
  metrics.close();
});

test('promtool check metrics accepts the exposition after a failed boot, an incident, a heal and a ready boot', { skip: hasTool('promtool') ? false : 'promtool is not installed (Debian package prometheus); skipping' }, async () => {
  const hub = createHub();
  const metrics = createMetrics(hub, {
    fleet: () => [{ name: 'web1', state: 'ready' }],
    sseClients: () => 1,
    hostSamples: () => [{ name: 'bootmedic_host_load1', value: 0.25 }, { name: 'bootmedic_vm_vcpus', value: 1, labels: { vm: 'web1' } }],
  });
  publishAll(hub, bootEvents('web1', 'b1', 'failed', 1));
  publishAll(hub, healedIncidentEvents('web1', 'i1'));
  publishAll(hub, bootEvents('web1', 'b2', 'ready'));
  const text = await metrics.render();
  const r = runToolSync('promtool', ['check', 'metrics'], { input: text, check: false });
  assert.equal(r.code, 0, `promtool: ${r.stdout}${r.stderr}`);
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no lint warning either');
  const dup = runToolSync('promtool', ['check', 'metrics'], { input: `${text}# TYPE bootmedic_vm_up counter\n`, check: false });
  assert.notEqual(dup.code, 0, 'promtool does reject a broken text');
  metrics.close();
});

test('metricsSeed reads the open incidents of the fleet from a real store, and the ledger size', async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-metrics-seed-'));
  const store = openStore({ home });
  try {
    store.incidents.open({ id: 'i-a', vm: 'a', detectedAt: 1, openedAt: 1, diagnosis: {} });
    store.incidents.open({ id: 'i-b', vm: 'b', detectedAt: 1, openedAt: 1, diagnosis: {} });
    store.incidents.close('i-b', { status: 'recovered', closedAt: 2, reason: 'fixed' });
    store.incidents.open({ id: 'i-gone', vm: 'gone', detectedAt: 1, openedAt: 1, diagnosis: {} });
    const seed = metricsSeed({ store, ledger: { size: 17 }, fleet: () => [{ name: 'a' }, { name: 'b' }] });
    assert.deepEqual(seed, { ledgerSize: 17, openIncidents: [{ id: 'i-a', vm: 'a' }] });
    const metrics = createMetrics(createHub(), seed);
    const s = samples(await metrics.render());
    assert.equal(s.get('bootmedic_incidents_open'), 1);
    assert.equal(s.get('bootmedic_ledger_entries'), 17);
    metrics.close();
  } finally {
    store.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('with the alerter, active alerts by name and each Alertmanager\'s failures are gauges', async () => {
  const hub = createHub();
  const timers = createManualTimers();
  const alerter = createAlerter(hub, {
    urls: ['http://127.0.0.1:9'],
    resendSeconds: 60,
    externalUrl: 'http://127.0.0.1:8080',
    timers,
    now: timers.now,
    fetch: async () => ({ ok: false, status: 500, text: async () => '' }),
    onError: () => undefined,
  });
  const metrics = createMetrics(hub, { alerter });
  publishAll(hub, bootEvents('a', 'b1', 'failed'));
  timers.advance(0);
  await alerter.settled();
  const s = samples(await metrics.render());
  assert.equal(s.get('bootmedic_alerts_active{alertname="BootFailed"}'), 1);
  assert.equal(s.get('bootmedic_alerts_active{alertname="HandedOver"}'), 0);
  assert.equal(s.get('bootmedic_alertmanager_failures{alertmanager="http://127.0.0.1:9"}'), 1);
  await alerter.close();
  metrics.close();
});
