// The exhaustion warning: a pure reducer over forecasts. It is raised when a real downward
// trend's pessimistic time to exhaustion falls under the horizon, and cleared only after
// several forecasts in a row without that trend or with the bound well past the horizon, so
// it does not flap on a bound that hovers at the horizon.
import { monitorErrors } from '../errors.ts';
import type { Forecast } from './forecaster.ts';

/** When to raise and clear; times in milliseconds. */
export type WarningParams = Readonly<{
  /** Raise when the lower bound of the time to exhaustion is under this (default 48 h) plus the wait for the next forecast. */
  horizonMs: number;
  /** Forecasts in a row that must call for a warning before it is raised. */
  raiseAfter: number;
  /** Clear once the lower bound exceeds clearFactor × horizon or the trend is gone… */
  clearFactor: number;
  /** …for this many forecasts in a row. */
  clearAfter: number;
}>;

export const DEFAULT_WARNING_PARAMS: WarningParams = Object.freeze({ horizonMs: 48 * 3_600_000, raiseAfter: 1, clearFactor: 1.5, clearAfter: 3 });

/** The warning's state; `streak` counts forecasts in a row pointing to the other state. */
export type WarningState = Readonly<{ active: boolean; sinceMs?: number; streak: number }>;

/** What a step did. */
export type WarningStep = Readonly<{ state: WarningState; change?: 'raised' | 'cleared' }>;

export const INITIAL_WARNING: WarningState = Object.freeze({ active: false, streak: 0 });

/** Validates warning parameters; MONITOR_FORECAST_BAD_PARAMS names the bad one. */
export function warningParams(over: Partial<WarningParams> = {}): WarningParams {
  const p = { ...DEFAULT_WARNING_PARAMS, ...over };
  const bad = (what: string) => {
    throw monitorErrors.make('MONITOR_FORECAST_BAD_PARAMS', `warning parameters: ${what}`);
  };
  if (!(p.horizonMs > 0) || !Number.isFinite(p.horizonMs)) bad(`horizon must be a positive duration (got ${p.horizonMs} ms)`);
  if (!Number.isInteger(p.raiseAfter) || p.raiseAfter < 1) bad(`raiseAfter must be a positive integer (got ${p.raiseAfter})`);
  if (!Number.isInteger(p.clearAfter) || p.clearAfter < 1) bad(`clearAfter must be a positive integer (got ${p.clearAfter})`);
  if (!(p.clearFactor >= 1) || !Number.isFinite(p.clearFactor)) bad(`clearFactor must be at least 1 (got ${p.clearFactor})`);
  return Object.freeze(p);
}

/** Advances the warning by one forecast; a `learning` forecast changes nothing. */
export function stepWarning(state: WarningState, fc: Forecast, p: WarningParams): WarningStep {
  if (fc.type === 'learning') return { state };
  // A forecast stands until the next one, so the warning looks that much further ahead:
  // it is then never late by the wait for the next forecast.
  const calls = fc.type === 'exhausted' || (fc.type === 'falling' && fc.lowerMs < p.horizonMs + fc.nextInMs);
  const quiet = fc.type === 'steady' || (fc.type === 'falling' && fc.lowerMs > p.clearFactor * p.horizonMs);
  if (!state.active) {
    const streak = calls ? state.streak + 1 : 0;
    // Exhaustion needs no confirmation.
    if (fc.type === 'exhausted' || streak >= p.raiseAfter) return { state: { active: true, sinceMs: fc.atMs, streak: 0 }, change: 'raised' };
    return { state: { active: false, streak } };
  }
  const streak = quiet ? state.streak + 1 : 0;
  if (streak >= p.clearAfter) return { state: { active: false, streak: 0 }, change: 'cleared' };
  return { state: { ...state, streak } };
}
