// The monitoring files shipped in deploy/ and docs/metrics.md, checked against the
// metrics the registry exports: the alerting rules (promtool check + unit tests), the
// example Prometheus config, the Grafana dashboard's PromQL, and the docs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { runToolSync } from '../core/index.ts';
import { createHub } from '../service/index.ts';
import { hasTool } from '../../testkit/index.ts';
import { ALERT_NAMES, createMetrics } from './index.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const prom = join(root, 'deploy/prometheus');
const promtool = hasTool('promtool') ? false : 'promtool is not installed (Debian package prometheus); skipping';

/** Every series name the service's /metrics can expose (histograms with their _bucket, _sum and _count). */
/** Metrics with every optional family on (SSE clients, the alerter's gauges). */
const everything = () => createMetrics(createHub(), { sseClients: () => 0, alerter: { active: () => [], status: () => [] } });

function exportedSeries(): Set<string> {
  const metrics = everything();
  const out = new Set<string>();
  for (const m of metrics.registry.getMetricsAsArray() as unknown as { name: string; type: string }[]) {
    out.add(m.name);
    if (m.type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(`${m.name}${s}`);
  }
  for (const n of metrics.names()) out.add(n);
  metrics.close();
  return out;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression selects: identifiers that are not functions, keywords, labels or Grafana variables. */
function promqlMetricNames(expr: string): string[] {
  const e = expr
    .replace(/label_values\(\s*([a-zA-Z_:][\w:]*)\s*,[^)]*\)/g, '$1') // Grafana's label_values(metric, label)
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\$[\w]+/g, ''); // Grafana variables
  const names: string[] = [];
  for (const m of e.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)) {
    const n = m[1]!;
    if (!KEYWORDS.has(n.toLowerCase())) names.push(n);
  }
  return names;
}

test('the PromQL name extractor finds metrics and skips functions, labels, strings and variables', () => {
  assert.deepEqual(promqlMetricNames('histogram_quantile(0.9, sum by (le, phase) (rate(a_bucket{vm=~"$vm",x="b_total"}[$__rate_interval])))'), ['a_bucket']);
  assert.deepEqual(promqlMetricNames('sum(up{job="x"}) / on(vm) group_left(state) b == 1 and c offset 5m'), ['up', 'b', 'c']);
  assert.deepEqual(promqlMetricNames('label_values(bootmedic_vm_up, vm)'), ['bootmedic_vm_up']);
});

type RuleFile = { groups: { name: string; rules: { alert?: string; record?: string; expr: string; labels?: Record<string, string> }[] }[] };
const rules = () => parseYaml(readFileSync(join(prom, 'bootmedic-rules.yml'), 'utf8')) as RuleFile;

test('promtool checks the shipped alerting rules and passes their unit tests', { skip: promtool }, () => {
  const check = runToolSync('promtool', ['check', 'rules', join(prom, 'bootmedic-rules.yml')], { check: false });
  assert.equal(check.code, 0, `${check.stdout}${check.stderr}`);
  assert.match(check.stdout, /SUCCESS: \d+ rules found/);
  const unit = runToolSync('promtool', ['test', 'rules', 'bootmedic-rules.test.yml'], { check: false, cwd: prom });
  assert.equal(unit.code, 0, `${unit.stdout}${unit.stderr}`);
});

test('the example prometheus.yml is a valid config with the rules and a bearer token file', { skip: promtool }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bm-promcfg-'));
  try {
    for (const f of ['prometheus.yml', 'bootmedic-rules.yml']) copyFileSync(join(prom, f), join(dir, f));
    writeFileSync(join(dir, 'bootmedic.token'), 'a-viewer-token\n');
    const r = runToolSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { check: false });
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    const cfg = parseYaml(readFileSync(join(prom, 'prometheus.yml'), 'utf8')) as { scrape_configs: { job_name: string; authorization?: { credentials_file?: string } }[] };
    assert.equal(cfg.scrape_configs.find((s) => s.job_name === 'bootmedic')?.authorization?.credentials_file, 'bootmedic.token');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every metric the alerting rules use is one bootmedic exports (or Prometheus\' own up)', () => {
  const known = exportedSeries();
  const rs = rules().groups.flatMap((g) => g.rules);
  assert.ok(rs.length >= 5);
  for (const r of rs) {
    assert.ok(r.alert !== undefined && r.labels?.['severity'] !== undefined, `${r.alert ?? r.record}: an alert with a severity`);
    for (const n of promqlMetricNames(r.expr)) assert.ok(n === 'up' || known.has(n), `rule ${r.alert}: ${n} is not a metric bootmedic exports`);
  }
});

type Panel = { id: number; type: string; title: string; targets?: { expr: string }[]; panels?: Panel[] };

test('the Grafana dashboard parses, and every PromQL expression in it uses only metrics the registry exports', () => {
  const dash = JSON.parse(readFileSync(join(root, 'deploy/grafana/bootmedic-dashboard.json'), 'utf8')) as {
    uid: string;
    panels: Panel[];
    templating: { list: { name: string; query: string | { query: string } }[] };
  };
  const known = exportedSeries();
  const panels = dash.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, 'panel ids are unique');
  const exprs = [
    ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
    ...dash.templating.list.map((v) => ({ where: `variable $${v.name}`, expr: typeof v.query === 'string' ? v.query : v.query.query })),
  ];
  assert.ok(exprs.length >= 20, `${exprs.length} expressions`);
  const used = new Set<string>();
  for (const { where, expr } of exprs) {
    const names = promqlMetricNames(expr);
    assert.ok(names.length > 0, `${where}: "${expr}" selects no metric`);
    for (const n of names) {
      assert.ok(known.has(n), `${where}: ${n} is not a metric bootmedic exports`);
      used.add(n);
    }
  }
  // The service's own metrics each have a panel.
  for (const m of ['bootmedic_boots_total', 'bootmedic_failures_total', 'bootmedic_incidents_open', 'bootmedic_mttr_seconds_bucket', 'bootmedic_heal_actions_total', 'bootmedic_detection_latency_seconds_bucket', 'bootmedic_boot_phase_duration_seconds_bucket', 'bootmedic_vm_state', 'bootmedic_ledger_entries']) {
    assert.ok(used.has(m), `no panel shows ${m}`);
  }
});

test('docs/metrics.md names every exported metric, every pushed alert and every shipped rule', () => {
  const doc = readFileSync(join(root, 'docs/metrics.md'), 'utf8');
  const metrics = everything();
  for (const n of metrics.names()) assert.ok(doc.includes(`\`${n}\``), `docs/metrics.md does not list ${n}`);
  metrics.close();
  for (const a of ALERT_NAMES) assert.ok(doc.includes(`\`${a}\``), `docs/metrics.md does not describe the alert ${a}`);
  for (const r of rules().groups.flatMap((g) => g.rules)) assert.ok(doc.includes(`\`${r.alert}\``), `docs/metrics.md does not describe the rule ${r.alert}`);
});
