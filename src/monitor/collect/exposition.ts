// Renders samples in the Prometheus text exposition format (version 0.0.4): per metric
// a `# HELP` and a `# TYPE` line, then one `name{label="value"} number` line per sample.
// Label values escape backslash, double quote and newline; HELP escapes backslash and
// newline (the format's own rules). A sample whose labels differ from its declaration is
// refused, so the label set stays bounded.
import { monitorErrors } from '../errors.ts';
import { METRICS, type MetricName, type Sample } from './metrics.ts';

/** Longest label value kept; a longer one (a VM or device name) is refused. */
export const MAX_LABEL_VALUE = 128;

/** The content type a /metrics endpoint serves this text with. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** Throws MONITOR_METRIC_BAD_LABELS when a sample's labels are not exactly its declared ones or a value is too long. */
export function checkLabels(s: Sample): void {
  const want = METRICS[s.name].labels;
  const have = Object.keys(s.labels ?? {});
  const same = have.length === want.length && want.every((l) => have.includes(l));
  const long = Object.values(s.labels ?? {}).find((v) => v.length > MAX_LABEL_VALUE || v.length === 0);
  if (!same || long !== undefined) {
    throw monitorErrors.make('MONITOR_METRIC_BAD_LABELS', `metric ${s.name}: labels {${have.join(',')}} (declared {${want.join(',')}})${long !== undefined ? `, a value of ${long.length} characters (1 to ${MAX_LABEL_VALUE} allowed)` : ''}`);
  }
}

/** The series key of a sample: its name and its labels in declaration order, as exposition text. */
export function seriesKey(s: Sample): string {
  const labels = METRICS[s.name].labels.map((l) => `${l}="${escLabel(s.labels?.[l] ?? '')}"`);
  return labels.length === 0 ? s.name : `${s.name}{${labels.join(',')}}`;
}

/**
 * Renders samples as Prometheus exposition text, metrics in name order, each series once
 * (a later sample of the same series wins).
 * @example
 * renderExposition([{ name: 'bootmedic_host_load1', value: 0.5 }]);
 * // '# HELP bootmedic_host_load1 ...\n# TYPE bootmedic_host_load1 gauge\nbootmedic_host_load1 0.5\n'
 */
export function renderExposition(samples: readonly Sample[]): string {
  const byName = new Map<MetricName, Map<string, number>>();
  for (const s of samples) {
    checkLabels(s);
    let series = byName.get(s.name);
    if (!series) byName.set(s.name, (series = new Map()));
    series.set(seriesKey(s), s.value);
  }
  const out: string[] = [];
  for (const name of [...byName.keys()].sort()) {
    const spec = METRICS[name];
    out.push(`# HELP ${name} ${escHelp(spec.help)}`, `# TYPE ${name} ${spec.type}`);
    for (const [key, value] of [...byName.get(name)!].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out.push(`${key} ${num(value)}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
