// monitor/: host and VM metrics, anomaly detection and its benchmark. It observes and
// scores; it never acts on a VM.
export type { StreamingDetector } from './anomaly/types.ts';
export { createDetector, DEFAULT_PARAMS, type DetectorParams } from './anomaly/detector.ts';
export { evaluateNab, type NabEvaluation, type DetectorFactory } from './nab/evaluate.ts';
export { loadNabCorpus, type NabSeries } from './nab/corpus.ts';
export { monitorErrors } from './errors.ts';
export { scoreNab } from './nab/score.ts';
export {
  METRICS,
  renderExposition,
  EXPOSITION_CONTENT_TYPE,
  HOST_COLLECTORS,
  qemuVmSource,
  createCollector,
  createCollectLoop,
  recordRound,
} from './collect/index.ts';
export type { MetricName, Sample, HostCollectorKind, VmSource, QemuVmTarget, QmpCall, Collector, CollectLoop, Round, HistorySink, Outcome, HostReader } from './collect/index.ts';
export {
  createForecaster,
  DEFAULT_FORECAST_PARAMS,
  stepWarning,
  warningParams,
  INITIAL_WARNING,
  readHostMemAvailable,
  readFreeBytes,
  readImageStorage,
  enableBalloonStats,
  readGuestMemory,
  type Forecast,
  type ForecastParams,
  type Forecaster,
  type WarningParams,
  type WarningState,
  type GuestMemory,
} from './forecast/index.ts';
