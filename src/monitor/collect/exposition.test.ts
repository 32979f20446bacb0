import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { isBootmedicError } from '../../core/index.ts';
import { createCollector } from './collection.ts';
import { renderExposition } from './exposition.ts';
import { METRICS, type Sample } from './metrics.ts';

test('exposition text: HELP and TYPE once per metric, series sorted, label values escaped, special numbers spelled', () => {
  const samples: Sample[] = [
    { name: 'bootmedic_vm_block_read_bytes_total', value: 10, labels: { vm: 'b', device: 'drive0' } },
    { name: 'bootmedic_vm_block_read_bytes_total', value: 20, labels: { device: 'drive0', vm: 'a "q"\\x\ny' } },
    { name: 'bootmedic_host_load1', value: NaN },
    { name: 'bootmedic_host_load5', value: Infinity },
  ];
  assert.equal(
    renderExposition(samples),
    [
      `# HELP bootmedic_host_load1 ${METRICS.bootmedic_host_load1.help}`,
      '# TYPE bootmedic_host_load1 gauge',
      'bootmedic_host_load1 NaN',
      `# HELP bootmedic_host_load5 ${METRICS.bootmedic_host_load5.help}`,
      '# TYPE bootmedic_host_load5 gauge',
      'bootmedic_host_load5 +Inf',
      `# HELP bootmedic_vm_block_read_bytes_total ${METRICS.bootmedic_vm_block_read_bytes_total.help}`,
      '# TYPE bootmedic_vm_block_read_bytes_total counter',
      'bootmedic_vm_block_read_bytes_total{vm="a \\"q\\"\\\\x\\ny",device="drive0"} 20',
      'bootmedic_vm_block_read_bytes_total{vm="b",device="drive0"} 10',
      '',
    ].join('\n'),
  );
  assert.equal(renderExposition([]), '');
});

test('labels are bounded: undeclared, missing, empty or over-long label values are refused', () => {
  const refused = (s: Sample) => assert.throws(() => renderExposition([s]), (e) => isBootmedicError(e, 'MONITOR_METRIC_BAD_LABELS') && e.message.includes(s.name));
  refused({ name: 'bootmedic_host_load1', value: 1, labels: { host: 'x' } });
  refused({ name: 'bootmedic_vm_vcpus', value: 1 });
  refused({ name: 'bootmedic_vm_vcpus', value: 1, labels: { vm: '' } });
  refused({ name: 'bootmedic_vm_vcpus', value: 1, labels: { vm: 'v'.repeat(129) } });
});

test('every declared name is a valid, bootmedic_-prefixed Prometheus name; counters end in _total', () => {
  for (const [name, spec] of Object.entries(METRICS)) {
    assert.match(name, /^bootmedic_(host|vm)_[a-z0-9_]+$/);
    if (spec.type === 'counter') assert.match(name, /_total$/, name);
    for (const l of spec.labels) assert.match(l, /^[a-z][a-z_]*$/);
  }
});

const promtool = spawnSync('promtool', ['--version']).status === 0;

test('promtool check metrics accepts a round of this host rendered', { skip: promtool ? false : 'promtool is not installed (Debian package prometheus); skipping' }, async () => {
  const c = createCollector({ kinds: ['psi', 'faults', 'memory', 'steal', 'edac', 'tcp', 'sched', 'kvm'] });
  await c.round();
  const text = renderExposition((await c.round()).samples);
  assert.match(text, /^bootmedic_host_load1 \d/m);
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no lint warning either');
  const broken = spawnSync('promtool', ['check', 'metrics'], { input: text.replace('# TYPE bootmedic_host_load1 gauge\n', '# TYPE bootmedic_host_load1 gauge\n# TYPE bootmedic_host_load1 counter\n'), encoding: 'utf8' });
  assert.notEqual(broken.status, 0, 'promtool does reject a broken text');
});
