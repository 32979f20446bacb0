// Real QEMU: one tiny-guest boot that panics, with the supervisor's events published to the
// hub as the daemon does. The metrics and the alert see what the synthetic events of the
// unit tests claim they see: a failed boot, its cause, layer and component, one detection
// latency, and BootFailed with the panic line as evidence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadVmSpec, resolveAppConfig } from '../src/config/index.ts';
import { createQemuHypervisor } from '../src/hypervisor/index.ts';
import { guestSource } from '../src/guest/index.ts';
import { createHub } from '../src/service/index.ts';
import { superviseVm } from '../src/supervisor/index.ts';
import { LAYERS, COMPONENTS } from '../src/signatures/index.ts';
import { createAlerter, createMetrics } from '../src/server/index.ts';
import { createManualTimers } from '../testkit/index.ts';

const examples = fileURLToPath(new URL('../examples/', import.meta.url));

test('a real panic boot through the hub: boots_total, failures_total, detection latency and BootFailed', { timeout: 240_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-metrics-boot-'));
  const app = resolveAppConfig({ home });
  const hub = createHub();
  const spec = loadVmSpec(join(examples, 'faults/panic.yaml'));
  const metrics = createMetrics(hub, { fleet: () => [{ name: spec.name, state: 'booting' }] });
  const timers = createManualTimers();
  const alerter = createAlerter(hub, { urls: ['http://127.0.0.1:9'], resendSeconds: 60, externalUrl: 'http://127.0.0.1:8080', timers, now: timers.now, fetch: async () => ({ ok: true, status: 200, text: async () => '' }) });
  try {
    const [o] = await superviseVm(spec, { hypervisor: createQemuHypervisor(app, { guests: guestSource(app) }), home }, {
      mode: 'once',
      onEvent: (event) => void hub.publish({ kind: 'boot', vm: spec.name, event }),
      onConsoleLine: (l) => void hub.publish({ kind: 'console', ...l }),
    });
    assert.ok(o !== undefined && o.status === 'failed', `a failed boot (${o?.status}: ${o?.reason})`);
    const text = await metrics.render();
    const value = (series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);
    assert.equal(value(`bootmedic_boots_total{vm="${spec.name}",verdict="failed"}`), 1);
    const failures = text.split('\n').filter((l) => l.startsWith('bootmedic_failures_total{') && !l.endsWith(' 0'));
    assert.equal(failures.length, 1, failures.join('\n'));
    const failure = failures[0]!;
    assert.ok(failure.endsWith(' 1'), failure);
    const labels = Object.fromEntries([...failure.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    assert.equal(labels['cause'], o.cause);
    assert.ok((LAYERS as readonly string[]).includes(labels['layer']!) && (COMPONENTS as readonly string[]).includes(labels['component']!), failure);
    assert.equal(value('bootmedic_detection_latency_seconds_count'), 1, 'the verdict was placed on the boot clock');
    const latency = value('bootmedic_detection_latency_seconds_sum');
    assert.ok(latency >= 0 && latency < o.durationMs / 1000, `latency ${latency} s within the boot (${o.durationMs} ms)`);
    assert.ok(value('bootmedic_boot_phase_duration_seconds_count{phase="kernel"}') >= 1, 'the kernel phase ended (userspace panicked)');
    const alert = alerter.active().find((a) => a.labels.alertname === 'BootFailed');
    assert.ok(alert, 'BootFailed is active');
    assert.equal(alert.labels.vm, spec.name);
    assert.match(alert.annotations['evidence'] ?? '', /panic|SysRq|GUEST_PANICKED/i);
  } finally {
    await alerter.close();
    metrics.close();
    rmSync(home, { recursive: true, force: true });
  }
});
