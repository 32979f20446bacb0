// collect/: host and VM metrics, rendered for Prometheus and kept as history.
export { METRICS, type MetricName, type MetricSpec, type MetricType, type Sample } from './metrics.ts';
export { renderExposition, seriesKey, EXPOSITION_CONTENT_TYPE } from './exposition.ts';
export { HOST_COLLECTORS, realHostReader, type HostCollectorKind } from './host.ts';
export { qemuVmSource, type VmSource, type QemuVmTarget, type QmpCall } from './vm.ts';
export { createCollector, createCollectLoop, recordRound, type Collector, type CollectLoop, type Round, type HistorySink } from './collection.ts';
export type { Outcome, HostReader } from './types.ts';
