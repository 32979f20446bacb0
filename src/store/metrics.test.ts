import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, METRIC_TIERS } from './index.ts';

const T0 = Date.UTC(2026, 0, 1);

test('metric history: 10 s points, 1 min and 10 min means, each tier pruned past its window', () => {
  const s = openStore({ home: '', file: ':memory:' });
  try {
    // One value every 10 s for 3 hours: load = minute index, so a 1-min bucket's mean is that index.
    for (let i = 0; i < 3 * 360; i++) {
      const t = T0 + i * 10_000;
      s.metrics.record(new Map([['bootmedic_host_load1', Math.floor(i / 6)], ['bootmedic_vm_vcpus{vm="a"}', 2]]), t);
    }
    const end = T0 + (3 * 360 - 1) * 10_000;
    const raw = s.metrics.history('bootmedic_host_load1');
    assert.equal(raw.length, 360, 'the raw tier keeps one hour of 10 s points');
    assert.equal(raw[0]!.t, end - 3600_000 + 10_000);
    assert.deepEqual(raw.at(-1), { t: end, value: 179, n: 1 });
    const minute = s.metrics.history('bootmedic_host_load1', { tier: '1m' });
    assert.equal(minute.length, 180);
    assert.deepEqual(minute[5], { t: T0 + 5 * 60_000, value: 5, n: 6 });
    const tenMin = s.metrics.history('bootmedic_host_load1', { tier: '10m', sinceMs: T0 + 600_000 });
    assert.equal(tenMin.length, 17);
    assert.deepEqual(tenMin[0], { t: T0 + 600_000, value: 14.5, n: 60 });
    assert.deepEqual(s.metrics.series('bootmedic_vm_'), ['bootmedic_vm_vcpus{vm="a"}']);
    assert.equal(s.metrics.series().length, 2);
    // Three days later the 1-min tier has dropped everything older than two days; 10 min keeps it.
    s.metrics.record(new Map([['bootmedic_host_load1', 1]]), end + 3 * 86_400_000);
    assert.equal(s.metrics.history('bootmedic_host_load1', { tier: '1m' }).length, 1);
    assert.equal(s.metrics.history('bootmedic_host_load1', { tier: '10m' }).length, 19);
    assert.equal(s.metrics.history('bootmedic_vm_vcpus{vm="a"}', { tier: '10m' }).length, 18);
  } finally {
    s.close();
  }
});

test('non-finite values are not kept, and the history survives a reopen (schema version 4)', () => {
  const home = mkdtempSync(join(tmpdir(), 'bm-metrics-'));
  try {
    let s = openStore({ home });
    s.metrics.record(new Map([['a', NaN], ['b', 3]]), T0);
    s.close();
    s = openStore({ home });
    assert.deepEqual(s.metrics.series(), ['b']);
    assert.deepEqual(s.metrics.history('b', { tier: '10m' }), [{ t: T0, value: 3, n: 1 }]);
    s.close();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  assert.deepEqual(METRIC_TIERS.map((t) => t.name), ['raw', '1m', '10m']);
});
