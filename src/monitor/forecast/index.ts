// forecast/: time-to-exhaustion forecasts of "free resource" series and the warning on them.
export { createForecaster, DEFAULT_FORECAST_PARAMS, type Forecast, type ForecastParams, type Forecaster } from './forecaster.ts';
export { stepWarning, warningParams, DEFAULT_WARNING_PARAMS, INITIAL_WARNING, type WarningParams, type WarningState, type WarningStep } from './warning.ts';
export { readHostMemAvailable, parseMemAvailable, readFreeBytes, readImageStorage, type ImageStorage } from './sources.ts';
export { enableBalloonStats, readGuestMemory, parseGuestStats, BALLOON_PATH, type GuestMemory, type QmpRunner } from './balloon.ts';
