// Runs a streaming detector over a NAB corpus and scores it; optionally writes NAB's
// results layout so NAB's own scorer can check the figure.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StreamingDetector } from '../anomaly/types.ts';
import { monitorErrors } from '../errors.ts';
import { loadNabCorpus, type NabCorpus, type NabSeries } from './corpus.ts';
import { scoreNab, type NabScores } from './score.ts';
import { probationLength } from './sweep.ts';

/** Builds a fresh detector for one series, told only NAB's probation length. */
export type DetectorFactory = (probation: number) => StreamingDetector;

/** What `bootmedic eval nab` reports. */
export type NabEvaluation = Readonly<{
  folder: string;
  detector: string;
  standard: number;
  rewardLowFP: number;
  rewardLowFN: number;
  series: number;
  windows: number;
  points: number;
  /** Detector time per point, in microseconds (scoring excluded). */
  usPerPoint: number;
  profiles: NabScores;
}>;

/** Runs a fresh detector over each series, point by point, and returns its scores. */
export function detectCorpus(corpus: NabCorpus, make: DetectorFactory): { scores: Float64Array[]; ms: number } {
  const t0 = performance.now();
  const scores = corpus.series.map((s) => {
    const d = make(probationLength(s.values.length));
    const out = new Float64Array(s.values.length);
    for (let i = 0; i < out.length; i++) out[i] = d.push(s.times[i]!, s.values[i]!);
    return out;
  });
  return { scores, ms: performance.now() - t0 };
}

function inWindow(s: NabSeries): Uint8Array {
  const label = new Uint8Array(s.values.length);
  for (const w of s.windows) label.fill(1, w.start, w.end + 1);
  return label;
}

/**
 * Writes NAB's results layout under `out`: `<detector>/<group>/<detector>_<file>.csv` with
 * the columns timestamp,value,anomaly_score,label (label 1 inside a window).
 */
export function writeNabResults(out: string, detector: string, corpus: NabCorpus, scores: readonly Float64Array[]): void {
  corpus.series.forEach((s, k) => {
    const [group, file] = s.name.split('/') as [string, string];
    const path = join(out, detector, group, `${detector}_${file}`);
    mkdirSync(dirname(path), { recursive: true });
    const label = inWindow(s);
    const lines = ['timestamp,value,anomaly_score,label'];
    for (let i = 0; i < s.values.length; i++) lines.push(`${s.stamps[i]},${s.values[i]},${scores[k]![i]},${label[i]}`);
    writeFileSync(path, `${lines.join('\n')}\n`);
  });
}

/**
 * Loads the NAB copy in `folder`, runs the detector over every series and scores it.
 *
 * @example
 * const r = evaluateNab('../shared/corpus/nab', { detector: 'bootmedic', make: (p) => createDetector(p) });
 * r.standard; // NAB standard-profile score, 0 (null) .. 100 (perfect)
 */
export function evaluateNab(folder: string, opts: { detector: string; make: DetectorFactory; out?: string }): NabEvaluation {
  const corpus = loadNabCorpus(folder);
  const { scores, ms } = detectCorpus(corpus, opts.make);
  if (opts.out !== undefined) {
    try {
      writeNabResults(opts.out, opts.detector, corpus, scores);
    } catch (e) {
      throw monitorErrors.make('MONITOR_NAB_BAD_OUT', `${opts.out}: cannot write the results: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
  }
  const profiles = scoreNab(corpus.series.map((s, k) => ({ scores: scores[k]!, windows: s.windows })), corpus.windows);
  const points = corpus.series.reduce((n, s) => n + s.values.length, 0);
  return {
    folder,
    detector: opts.detector,
    standard: profiles.standard.score,
    rewardLowFP: profiles.rewardLowFP.score,
    rewardLowFN: profiles.rewardLowFN.score,
    series: corpus.series.length,
    windows: corpus.windows,
    points,
    usPerPoint: (ms * 1000) / points,
    profiles,
  };
}
