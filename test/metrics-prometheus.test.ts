// A real Prometheus (Debian's prometheus) scrapes bootmedic's metrics, served with bearer
// auth by a small HTTP server in the test, with the shipped alerting rules loaded; its
// query API then shows the values after a failed boot, and again after the heal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHub, type ServiceEvent, type VmState } from '../src/service/index.ts';
import { createMetrics } from '../src/server/index.ts';
import { bootEvents, hasTool, healedIncidentEvents, startPrometheus, waitFor } from '../testkit/index.ts';

const rules = fileURLToPath(new URL('../deploy/prometheus/bootmedic-rules.yml', import.meta.url));
const skip = hasTool('prometheus') ? false : 'prometheus is not installed (Debian package prometheus); skipping';

test('a real Prometheus scrapes /metrics with a bearer token and sees a failed boot, then its heal', { skip, timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-prom-test-'));
  const hub = createHub();
  let state: VmState = 'booting';
  const metrics = createMetrics(hub, { fleet: () => [{ name: 'x', state }, { name: 'y', state: 'ready' }] });
  const token = 'test-token-3f9a';
  const seen = { ok: 0, refused: 0 };
  const server = createServer((req, res) => {
    if (req.url !== '/metrics' || req.headers.authorization !== `Bearer ${token}`) {
      seen.refused++;
      res.writeHead(401).end();
      return;
    }
    seen.ok++;
    void metrics.render().then((text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  writeFileSync(join(dir, 'token'), `${token}\n`);
  writeFileSync(join(dir, 'rules.yml'), readFileSync(rules));
  const prom = await startPrometheus(
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ['${join(dir, 'rules.yml')}']`,
      'scrape_configs:',
      '  - job_name: bootmedic',
      '    authorization:',
      `      credentials_file: ${join(dir, 'token')}`,
      '    static_configs:',
      `      - targets: ['127.0.0.1:${port}']`,
      '',
    ].join('\n'),
  );
  try {
    const query = async (q: string): Promise<number | undefined> => {
      const r = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { status: string; data: { result: { value: [number, string] }[] } };
      assert.equal(r.status, 'success', q);
      const v = r.data.result[0]?.value[1];
      return v === undefined ? undefined : Number(v);
    };
    const until = (q: string, want: number) => waitFor(`${q} == ${want}`, async () => ((await query(q)) === want ? true : undefined));

    const publish = (events: ServiceEvent[]) => events.forEach((e) => hub.publish(e));
    publish(bootEvents('x', 'b1', 'failed', 1));
    state = 'failed';
    hub.publish({ kind: 'heal', vm: 'x', event: { type: 'incident-opened', incidentId: 'i1', vm: 'x', detectedAt: 1 } });
    await until('bootmedic_boots_total{vm="x",verdict="failed"}', 1);
    await until('bootmedic_incidents_open', 1);
    assert.equal(await query('bootmedic_vm_up{vm="x"}'), 0);
    assert.equal(await query('bootmedic_failures_total{cause="finding",layer="guest-kernel",component="kernel"}'), 1);
    assert.equal(await query('up{job="bootmedic"}'), 1);

    publish(healedIncidentEvents('x', 'i1', { mttrMs: 42_000 }).slice(2));
    publish(bootEvents('x', 'b2', 'ready'));
    state = 'ready';
    await until('bootmedic_incidents_open', 0);
    await until('bootmedic_mttr_seconds_count', 1);
    assert.equal(await query('bootmedic_mttr_seconds_sum'), 42);
    assert.equal(await query('bootmedic_boots_total{vm="x",verdict="ready"}'), 1);
    assert.equal(await query('bootmedic_vm_up{vm="x"}'), 1);
    assert.equal(await query('bootmedic_heal_actions_total{remedy="restore-boot-artefacts",result="ready"}'), 1);
    assert.equal(await query('bootmedic_boots_total{vm="y",verdict="failed"}'), 0, 'a VM with no boot yet has its series at 0');
    assert.equal(await query('count(bootmedic_vm_state{vm="x"} == 1)'), 1, 'one-hot state');
    assert.ok(seen.ok > 0 && seen.refused === 0, `scrapes carried the token (${seen.ok} ok, ${seen.refused} refused)`);

    // The shipped rules loaded and evaluate without error against these series.
    const groups = await waitFor('the rules evaluated', async () => {
      const r = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as { data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] } };
      const all = r.data.groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((x) => x.health === 'ok') ? r.data.groups : undefined;
    });
    assert.ok(groups.flatMap((g) => g.rules).some((x) => x.name === 'BootmedicBootFailures'));
  } finally {
    metrics.close();
    await prom.stop();
    await new Promise((ok) => server.close(ok));
    rmSync(dir, { recursive: true, force: true });
  }
});
