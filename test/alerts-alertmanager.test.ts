// A real Alertmanager (Debian's prometheus-alertmanager) receives bootmedic's BootFailed
// alert for a failed boot, with its labels and annotations, and shows it resolved after
// the heal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHub } from '../src/service/index.ts';
import { createAlerter } from '../src/server/index.ts';
import { bootEvents, hasTool, healedIncidentEvents, startAlertmanager, waitFor } from '../testkit/index.ts';

const skip = hasTool('prometheus-alertmanager') ? false : 'prometheus-alertmanager is not installed (Debian package prometheus-alertmanager); skipping';

type AmAlert = { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; status: { state: string } };

test('a real Alertmanager receives BootFailed with its labels, and it resolves after the heal', { skip, timeout: 120_000 }, async () => {
  const am = await startAlertmanager();
  const hub = createHub();
  const errors: Error[] = [];
  const alerter = createAlerter(hub, { urls: [am.url], resendSeconds: 60, externalUrl: 'http://127.0.0.1:8080', onError: (e) => errors.push(e) });
  const alerts = async (query = ''): Promise<AmAlert[]> => (await (await fetch(`${am.url}/api/v2/alerts${query}`)).json()) as AmAlert[];
  const find = (list: AmAlert[], name: string) => list.find((a) => a.labels['alertname'] === name && a.labels['vm'] === 'web1');
  try {
    bootEvents('web1', 'b1', 'failed').forEach((e) => hub.publish(e));
    healedIncidentEvents('web1', 'i1').slice(0, 3).forEach((e) => hub.publish(e)); // opened and diagnosed
    const fired = await waitFor('BootFailed in Alertmanager', async () => find(await alerts(), 'BootFailed'));
    assert.equal(fired.status.state, 'active');
    assert.deepEqual(
      Object.fromEntries(['alertname', 'vm', 'cause', 'layer', 'severity'].map((k) => [k, fired.labels[k]])),
      { alertname: 'BootFailed', vm: 'web1', cause: 'finding', layer: 'guest-kernel', severity: 'critical' },
    );
    assert.match(fired.annotations['evidence'] ?? '', /Kernel panic - not syncing/);
    assert.equal(fired.annotations['dashboard'], 'http://127.0.0.1:8080/#/vms/web1');
    assert.equal(fired.annotations['top_cause'], 'initramfs-corrupt (p=0.87)');
    assert.ok(find(await alerts(), 'IncidentOpen'), 'the open incident is an alert too');

    // A firing alert is valid for 4 resend intervals (240 s): within the wait below, only
    // the resolved alert bootmedic sends (endsAt = now) can end it.
    assert.ok(Date.parse(fired.endsAt) > Date.now() + 200_000, `endsAt ${fired.endsAt}`);
    healedIncidentEvents('web1', 'i1').slice(3).forEach((e) => hub.publish(e));
    bootEvents('web1', 'b2', 'ready').forEach((e) => hub.publish(e));
    await waitFor('BootFailed resolved', async () => {
      const a = find(await alerts(), 'BootFailed');
      return a === undefined || Date.parse(a.endsAt) <= Date.now() ? true : undefined;
    });
    const still = (await alerts()).filter((a) => a.labels['vm'] === 'web1' && a.status.state === 'active' && Date.parse(a.endsAt) > Date.now());
    assert.deepEqual(still.map((a) => a.labels['alertname']), [], 'no alert of web1 is active after the heal');
    assert.deepEqual(alerter.active(), []);
    assert.deepEqual(errors, []);
  } finally {
    await alerter.close();
    await am.stop();
  }
});
