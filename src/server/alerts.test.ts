import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHub } from '../service/index.ts';
import { isBootmedicError } from '../core/index.ts';
import { bootEvents, createManualTimers, handedOverIncidentEvents, healedIncidentEvents } from '../../testkit/index.ts';
import { createAlerter, type AlerterOptions, type FetchLike } from './index.ts';

type Posted = { url: string; at: number; alerts: { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL: string }[] };

/** A fake Alertmanager: records each POST; `fail` makes the next calls answer 503 (or throw). */
function fakeAlertmanager(clock: () => number) {
  const posts: Posted[] = [];
  const state = { fail: 0, throwing: false };
  const fetch: FetchLike = async (url, init) => {
    posts.push({ url, at: clock(), alerts: JSON.parse(init.body) as Posted['alerts'] });
    if (state.fail > 0) {
      state.fail--;
      if (state.throwing) throw new TypeError('fetch failed: connect ECONNREFUSED 127.0.0.1:9');
      return { ok: false, status: 503, text: async () => 'overloaded' };
    }
    return { ok: true, status: 200, text: async () => '' };
  };
  return { posts, state, fetch };
}

function setup(extra: Partial<AlerterOptions> = {}) {
  const hub = createHub();
  const timers = createManualTimers(Date.parse('2026-12-07T03:00:00Z'));
  const am = fakeAlertmanager(timers.now);
  const errors: Error[] = [];
  const alerter = createAlerter(hub, {
    urls: ['http://am1:9093', 'http://am2:9093/'],
    resendSeconds: 60,
    externalUrl: 'http://dash.example:8080/',
    fetch: am.fetch,
    timers,
    now: timers.now,
    onError: (e) => errors.push(e),
    ...extra,
  });
  /** Runs the due timers and lets the sends finish. */
  const step = async (ms = 0) => {
    timers.advance(ms);
    await alerter.settled();
  };
  return { hub, timers, am, errors, alerter, step };
}

test('a failed boot fires BootFailed to every Alertmanager with its labels, evidence, top cause and links', async () => {
  const { hub, am, alerter, step } = setup();
  bootEvents('web1', 'b1', 'failed').forEach((e) => hub.publish(e));
  hub.publish({ kind: 'heal', vm: 'web1', event: { type: 'incident-opened', incidentId: 'inc-7', vm: 'web1', detectedAt: 1 } });
  hub.publish({ kind: 'heal', vm: 'web1', event: { type: 'diagnosis', incidentId: 'inc-7', causes: [{ cause: 'initramfs-corrupt', probability: 0.871 }], summary: '' } });
  await step();
  assert.deepEqual(am.posts.map((p) => p.url).sort(), ['http://am1:9093/api/v2/alerts', 'http://am2:9093/api/v2/alerts']);
  const last = am.posts.at(-1)!.alerts;
  const failed = last.find((a) => a.labels['alertname'] === 'BootFailed')!;
  assert.deepEqual(failed.labels, { alertname: 'BootFailed', vm: 'web1', cause: 'finding', layer: 'guest-kernel', severity: 'critical' });
  assert.match(failed.annotations['evidence']!, /^Kernel panic - not syncing: VFS/);
  assert.equal(failed.annotations['top_cause'], 'initramfs-corrupt (p=0.87)');
  assert.equal(failed.annotations['dashboard'], 'http://dash.example:8080/#/vms/web1');
  assert.match(failed.annotations['summary']!, /web1.*failed/);
  assert.equal(failed.generatorURL, 'http://dash.example:8080/#/vms/web1');
  assert.ok(Date.parse(failed.endsAt) > Date.parse(failed.startsAt), 'a firing alert ends in the future (it expires if bootmedic stops sending)');
  const incident = last.find((a) => a.labels['alertname'] === 'IncidentOpen')!;
  assert.equal(incident.annotations['dashboard'], 'http://dash.example:8080/#/incidents/inc-7');
  assert.equal(incident.labels['severity'], 'warning');
  assert.equal(alerter.active().length, 2);
  await alerter.close();
});

test('active alerts are re-sent every resendSeconds from one timer, and not after they resolve', async () => {
  const { hub, am, alerter, step, timers } = setup({ urls: ['http://am1:9093'] });
  bootEvents('web1', 'b1', 'failed').forEach((e) => hub.publish(e));
  await step();
  assert.equal(am.posts.length, 1);
  await step(59_000);
  assert.equal(am.posts.length, 1, 'nothing before the interval');
  await step(1_000);
  assert.equal(am.posts.length, 2, 're-sent after 60 s');
  await step(60_000);
  assert.equal(am.posts.length, 3);
  assert.deepEqual(am.posts[2]!.alerts.map((a) => a.labels['alertname']), ['BootFailed']);
  assert.equal(am.posts[2]!.alerts[0]!.startsAt, am.posts[0]!.alerts[0]!.startsAt, 'startsAt stays the first firing');
  assert.equal(timers.pending().length, 1, 'one shared timer');
  healedIncidentEvents('web1', 'i1').forEach((e) => hub.publish(e));
  bootEvents('web1', 'b2', 'ready').forEach((e) => hub.publish(e));
  await step();
  const n = am.posts.length;
  await step(300_000);
  assert.equal(am.posts.length, n, 'nothing is re-sent once all resolved');
  await alerter.close();
});

test('resolve: a ready boot ends BootFailed with endsAt now; a closed incident ends IncidentOpen; a hand-over stays until ready', async () => {
  const { hub, am, alerter, step, timers } = setup({ urls: ['http://am1:9093'] });
  bootEvents('db', 'b1', 'failed').forEach((e) => hub.publish(e));
  handedOverIncidentEvents('db', 'i2').forEach((e) => hub.publish(e));
  await step();
  assert.deepEqual(alerter.active().map((a) => a.labels.alertname).sort(), ['BootFailed', 'HandedOver']);
  const closed = am.posts.flatMap((p) => p.alerts).find((a) => a.labels['alertname'] === 'IncidentOpen' && Date.parse(a.endsAt) <= timers.now());
  assert.ok(closed, 'IncidentOpen was sent resolved');
  assert.equal(alerter.active().find((a) => a.labels.alertname === 'HandedOver')!.annotations['top_cause'], 'rootfs-corrupt (p=0.61)');
  await step(5_000);
  bootEvents('db', 'b2', 'ready').forEach((e) => hub.publish(e));
  await step();
  assert.deepEqual(alerter.active(), []);
  const last = am.posts.at(-1)!.alerts;
  assert.deepEqual(last.map((a) => a.labels['alertname']).sort(), ['BootFailed', 'HandedOver']);
  for (const a of last) assert.equal(a.endsAt, new Date(timers.now()).toISOString(), `${a.labels['alertname']} resolved now`);
  await alerter.close();
});

test('a second failure of the same kind keeps the alert (same startsAt, nothing resolved) and refreshes its evidence', async () => {
  const { hub, am, alerter, step, timers } = setup({ urls: ['http://am1:9093'] });
  bootEvents('web1', 'b1', 'failed').forEach((e) => hub.publish(e));
  await step();
  const first = alerter.active()[0]!;
  await step(10_000);
  const again = bootEvents('web1', 'b2', 'failed').map((e) =>
    e.kind === 'boot' && e.event.type === 'outcome' ? { ...e, event: { ...e.event, outcome: { ...e.event.outcome, evidence: [{ line: 9, text: 'Kernel panic - not syncing: Attempted to kill init!' }] } } } : e,
  );
  again.forEach((e) => hub.publish(e));
  await step();
  assert.equal(alerter.active().length, 1);
  assert.equal(alerter.active()[0]!.startsAt, first.startsAt);
  assert.match(alerter.active()[0]!.annotations['evidence']!, /Attempted to kill init/);
  const ended = am.posts.flatMap((p) => p.alerts).filter((a) => Date.parse(a.endsAt) <= timers.now());
  assert.deepEqual(ended, [], 'nothing was resolved');
  await alerter.close();
});

test('a stall is BootStalled (warning), a reset loop is BootLoop; a new kind of failure ends the previous one', async () => {
  const { hub, alerter, step } = setup({ urls: ['http://am1:9093'] });
  bootEvents('x', 'b1', 'stalled').forEach((e) => hub.publish(e));
  await step();
  assert.deepEqual(alerter.active().map((a) => [a.labels.alertname, a.labels.severity, a.labels.cause]), [['BootStalled', 'warning', 'stall']]);
  const loop = bootEvents('x', 'b2', 'failed').map((e) =>
    e.kind === 'boot' && e.event.type === 'outcome' ? { ...e, event: { ...e.event, outcome: { ...e.event.outcome, cause: 'boot-loop' as const, findings: [], evidence: [], reason: '3 resets in 60 s' } } } : e,
  );
  loop.forEach((e) => hub.publish(e));
  await step();
  assert.deepEqual(alerter.active().map((a) => [a.labels.alertname, a.labels.cause, a.labels.layer]), [['BootLoop', 'boot-loop', 'guest-kernel']]);
  assert.equal(alerter.active()[0]!.annotations['evidence'], '3 resets in 60 s', 'no evidence line: the reason');
  await alerter.close();
});

test('a failing Alertmanager is retried with doubling backoff, errors reported, and resolved alerts still delivered', async () => {
  const { hub, am, alerter, step, errors } = setup({ urls: ['http://am1:9093'], backoffMs: 1000, maxBackoffMs: 4000 });
  am.state.fail = 4;
  bootEvents('web1', 'b1', 'failed').forEach((e) => hub.publish(e));
  await step();
  assert.equal(am.posts.length, 1);
  bootEvents('web1', 'b2', 'ready').forEach((e) => hub.publish(e));
  await step();
  assert.equal(am.posts.length, 1, 'no new request while backing off');
  await step(999);
  assert.equal(am.posts.length, 1);
  await step(1);
  assert.equal(am.posts.length, 2, 'retry after 1 s');
  await step(2000);
  assert.equal(am.posts.length, 3, 'then after 2 s');
  await step(4000);
  assert.equal(am.posts.length, 4, 'then after 4 s');
  await step(4000);
  assert.equal(am.posts.length, 5, 'capped at 4 s');
  const t0 = am.posts[0]!.at;
  assert.deepEqual(am.posts.map((p) => p.at - t0), [0, 1000, 3000, 7000, 11000], 'retries 1 s, 2 s, 4 s, 4 s apart');
  assert.equal(alerter.status()[0]!.failures, 0);
  const delivered = am.posts.at(-1)!.alerts;
  assert.equal(delivered.length, 1);
  assert.ok(Date.parse(delivered[0]!.endsAt) < Date.parse('2026-12-07T03:01:00Z'), 'the resolved BootFailed got through with its endsAt');
  assert.equal(errors.length, 4);
  assert.ok(errors.every((e) => isBootmedicError(e, 'ALERTS_SEND_FAILED')));
  assert.match(errors[0]!.message, /http:\/\/am1:9093\/api\/v2\/alerts: HTTP 503: overloaded/);
  await step(60_000);
  assert.equal(am.posts.length, 5, 'delivered resolved alerts are not sent again');
  await alerter.close();
});

test('resolved alerts waiting for an unreachable Alertmanager are bounded; the hub never waits on it', async () => {
  const { hub, am, alerter, step, errors } = setup({ urls: ['http://am1:9093'], maxResolved: 3, backoffMs: 1000 });
  am.state.fail = 1000;
  am.state.throwing = true;
  for (let i = 0; i < 5; i++) {
    bootEvents(`vm${i}`, `b${i}`, 'failed').forEach((e) => hub.publish(e));
    bootEvents(`vm${i}`, `r${i}`, 'ready').forEach((e) => hub.publish(e));
    await step();
  }
  assert.equal(alerter.status()[0]!.waiting, 3);
  assert.ok(errors.some((e) => isBootmedicError(e, 'ALERTS_QUEUE_FULL')));
  assert.ok(errors.some((e) => /ECONNREFUSED/.test(e.message)));
  assert.ok(am.posts.length <= 2, `requests are not sent per event while backing off (${am.posts.length})`);
  await alerter.close();
  const n = am.posts.length;
  hub.publish({ kind: 'vm-state', vm: 'vm0', state: 'failed' });
  await step(120_000);
  assert.equal(am.posts.length, n, 'nothing after close');
  assert.equal(hub.subscribers(), 0);
});

test('with a fleet: VMs outside it raise no alert, and alerts of a VM removed from the config are resolved at the next resend', async () => {
  let fleet = [{ name: 'a' }, { name: 'b' }];
  const { hub, am, alerter, step, timers } = setup({ urls: ['http://am1:9093'], fleet: () => fleet });
  bootEvents('a', 'a1', 'failed').forEach((e) => hub.publish(e));
  bootEvents('b', 'b1', 'failed').forEach((e) => hub.publish(e));
  await step();
  assert.equal(alerter.active().length, 2);
  bootEvents('scratch', 's1', 'failed').forEach((e) => hub.publish(e));
  await step();
  assert.equal(alerter.active().length, 2, 'a VM outside the config raises no alert');
  fleet = [{ name: 'b' }];
  await step(60_000);
  assert.deepEqual(alerter.active().map((a) => a.labels.vm), ['b']);
  const gone = am.posts.at(-1)!.alerts.find((a) => a.labels['vm'] === 'a')!;
  assert.equal(gone.endsAt, new Date(timers.now()).toISOString(), 'sent resolved');
  await alerter.close();
});

test('bad options are refused with ALERTS_BAD_OPTION naming the value', () => {
  const hub = createHub();
  const base = { urls: ['http://127.0.0.1:9093'], resendSeconds: 60, externalUrl: 'http://127.0.0.1:8080' };
  const refused = (o: Partial<AlerterOptions>, re: RegExp) => assert.throws(() => createAlerter(hub, { ...base, ...o }), (e) => isBootmedicError(e, 'ALERTS_BAD_OPTION') && re.test(e.message));
  refused({ urls: [] }, /no URL/);
  refused({ urls: ['127.0.0.1:9093'] }, /"127\.0\.0\.1:9093"/);
  refused({ urls: ['ftp://x'] }, /ftp:\/\/x/);
  refused({ resendSeconds: 0 }, /resend interval 0 s/);
  refused({ externalUrl: 'dash' }, /external URL "dash"/);
});
