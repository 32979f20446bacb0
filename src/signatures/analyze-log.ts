import { createLineSplitter } from '../console/index.ts';
import { LIMIT } from '../core/index.ts';
import { createSignatureEngine } from './engine.ts';
import type { Kb } from './kb.ts';
import type { BootPhase, EngineOptions, Finding } from './types.ts';

/** Result of analysing one saved console log. */
export type LogAnalysis = { findings: Finding[]; corrupted: boolean; lastPhase: BootPhase; lines: number };

/**
 * Analyses a whole saved console log offline (streamed through the same splitter and
 * engine as a live boot), including the 'incomplete-boot' finding for logs that stop.
 *
 * @example
 * const { findings } = analyzeLog(readFileSync('console.log'));
 */
export function analyzeLog(input: string | Uint8Array, opts: EngineOptions & { kb?: Kb } = {}): LogAnalysis {
  const a = createLogAnalyzer(opts);
  a.push(input);
  return a.finish();
}

/**
 * What a log's findings add up to, without the findings themselves. `findings` counts them
 * all; only the first `maxFindings` are handed on (the phase, corruption and stopsBoot see all).
 */
export type LogSummary = { findings: number; corrupted: boolean; lastPhase: BootPhase; lines: number; stopsBoot: boolean };

/** Splitter + engine for one whole log, handing each finding to `onFinding` and keeping only a summary. */
function createLogScanner(onFinding: (f: Finding) => void, opts: EngineOptions & { kb?: Kb }) {
  const sum: LogSummary = { findings: 0, corrupted: false, lastPhase: 'firmware', lines: 0, stopsBoot: false };
  const max = opts.maxFindings ?? LIMIT.FINDINGS_PER_BOOT_MAX;
  const take = (fs: readonly Finding[]) => {
    for (const f of fs) {
      sum.findings++;
      if (f.corrupted === true) sum.corrupted = true;
      if (f.family === 'progress') sum.lastPhase = f.phase;
      if (stopsBoot(f)) sum.stopsBoot = true;
      if (sum.findings <= max) onFinding(f);
    }
  };
  const engine = createSignatureEngine(opts);
  const splitter = createLineSplitter({
    onLine: (l) => take(engine.push(l)),
    now: () => 0,
    // The lines that cannot match are passed over without being built (same findings).
    skipper: engine.skipper,
  });
  return {
    push: (chunk: string | Uint8Array) => splitter.push(chunk),
    finish(): LogSummary {
      splitter.end();
      take(engine.end());
      sum.lines = splitter.lines;
      return sum;
    },
  };
}

/** Splitter + engine for one whole log, collecting findings; analyzeLog and analyzeStream share it. */
function createLogAnalyzer(opts: EngineOptions & { kb?: Kb }) {
  const findings: Finding[] = [];
  const scanner = createLogScanner((f) => findings.push(f), opts);
  return {
    push: scanner.push,
    finish(): LogAnalysis {
      const { corrupted, lastPhase, lines } = scanner.finish();
      return { findings, corrupted, lastPhase, lines };
    },
  };
}

/** The last phase a list of findings shows (progress markers and failures alike). */
export function lastPhaseOf(findings: readonly Finding[]): BootPhase {
  let p: BootPhase = 'firmware';
  for (const f of findings) if (f.family === 'progress') p = f.phase;
  return p;
}

/** True when a finding is a failure (not a progress marker, not a mere warning). */
export function isFailure(f: Finding): boolean {
  return f.severity === 'error' || f.severity === 'fatal';
}

/** True when a finding means the boot did not (or will not) reach ready. */
export function stopsBoot(f: Finding): boolean {
  return f.severity === 'fatal' || f.stopsBoot;
}

/**
 * Analyses a console log arriving as a stream of chunks (a file, stdin), in bounded
 * memory: only the engine's window and the findings are kept.
 */
export async function analyzeStream(chunks: AsyncIterable<Uint8Array | string>, opts: EngineOptions & { kb?: Kb } = {}): Promise<LogAnalysis> {
  const a = createLogAnalyzer(opts);
  for await (const c of chunks) a.push(c);
  return a.finish();
}

/**
 * Analyses a console log arriving as a stream of chunks and hands each finding to
 * `onFinding` as it is found, keeping none: memory is bounded by the engine's window
 * whatever the log's length and however many findings it holds. `afterChunk` runs after
 * each chunk's findings (a writer waits there for its output to drain).
 */
export async function scanStream(chunks: AsyncIterable<Uint8Array | string>, onFinding: (f: Finding) => void, opts: EngineOptions & { kb?: Kb; afterChunk?: () => Promise<void> | void } = {}): Promise<LogSummary> {
  const s = createLogScanner(onFinding, opts);
  for await (const c of chunks) {
    s.push(c);
    await opts.afterChunk?.();
  }
  return s.finish();
}

/**
 * Findings in a hypervisor's own output (QEMU's stderr, a vmware.log excerpt): the same
 * rules, without progress markers and without the 'incomplete-boot' verdict, which only
 * makes sense for a guest console.
 */
export function findingsFromHypervisorLog(text: string | Uint8Array, opts: { kb?: Kb } = {}): Finding[] {
  const out: Finding[] = [];
  const engine = createSignatureEngine({ ...opts, ready: [] });
  const splitter = createLineSplitter({ onLine: (l) => out.push(...engine.push(l)), now: () => 0 });
  splitter.push(text);
  splitter.end();
  return out.filter((f) => f.family !== 'progress');
}
