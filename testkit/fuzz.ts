// Property-based fuzzing of the parsers (fast-check): one harness for the CI tests
// (`*.fuzz.test.ts`, a fixed seed and run count) and for bench/fuzz.ts (a time budget).
// A target names its parser, an input generator, and the error codes the parser may throw:
// any other exception (TypeError, RangeError, EISDIR, a failed invariant) is a bug.
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { setImmediate as turn } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isBootmedicError } from '../src/core/index.ts';

/** One parser under fuzzing. */
export type FuzzTarget<T = unknown> = Readonly<{
  /** The name bench/fuzz.ts --parser takes. */
  name: string;
  /** The error codes the parser may throw: its part's catalogue. */
  codes: ReadonlySet<string>;
  /** The input generator; built on first use, when it also builds the target's fixtures (before any run is timed). */
  arbitrary: () => fc.Arbitrary<T>;
  /** The input's size in bytes, for the time per byte. */
  size: (input: T) => number;
  /** Parses the input; throws a catalogued error, or an assertion error when an invariant breaks. */
  run: (input: T) => void;
  /** An adversarial input of about `n` bytes, for the bench's growth check (time at 4n over time at n). */
  grow?: (n: number) => T;
}>;

/**
 * A target of any input type, for lists of targets (bench/fuzz.ts). `any` because each
 * target's input type only meets its own generator and parser: no caller mixes them.
 */
export type AnyFuzzTarget = FuzzTarget<any>;

/** The codes of one or more error catalogues, as a set for FuzzTarget.codes. */
export function codesOf(...catalogues: { catalogue: { codes: Readonly<Record<string, unknown>> } }[]): ReadonlySet<string> {
  return new Set(catalogues.flatMap((c) => Object.keys(c.catalogue.codes)));
}

/** Runs `target` on one input; returns the catalogued code it threw, or undefined. Any other exception is rethrown. */
export function runCatalogued<T>(target: FuzzTarget<T>, input: T): string | undefined {
  try {
    target.run(input);
    return undefined;
  } catch (e) {
    if (isBootmedicError(e) && target.codes.has(e.code)) return e.code;
    throw e;
  }
}

/** A short, printable form of a counterexample. */
export function showInput(input: unknown): string {
  const show = (v: unknown): string => (v instanceof Uint8Array ? `${v.length} bytes: ${Buffer.from(v.subarray(0, 512)).toString('hex')}${v.length > 512 ? '…' : ''}` : fc.stringify(v));
  const s = Array.isArray(input) ? input.map(show).join(', ') : show(input);
  return s.length > 4000 ? `${s.slice(0, 4000)}…` : s;
}

/**
 * The CI check: `numRuns` inputs from a fixed `seed`; on a failure, throws with the seed,
 * the shrunk counterexample and the command that replays it.
 */
export function fuzzCheck<T>(target: FuzzTarget<T>, opts: { seed: number; numRuns: number }): { refused: number } {
  let refused = 0;
  const details = fc.check(
    fc.property(target.arbitrary(), (input) => {
      if (runCatalogued(target, input) !== undefined) refused++;
    }),
    { seed: opts.seed, numRuns: opts.numRuns },
  );
  if (details.failed) {
    const err = details.errorInstance as Error | undefined;
    throw new Error(
      `fuzz ${target.name}: failed after ${details.numRuns} run(s), seed ${details.seed}, path ${details.counterexamplePath ?? '?'}\n` +
        `counterexample: ${showInput(details.counterexample?.[0])}\n` +
        `error: ${err?.stack ?? String(err)}\n` +
        `replay: node bench/fuzz.ts --parser ${target.name} --seed ${details.seed} --minutes 1`,
      { cause: err },
    );
  }
  return { refused };
}

/** What a timed run of one target found (bench/fuzz.ts). */
export type FuzzRun = {
  runs: number;
  refused: number;
  /** Slowest time per input byte seen, in nanoseconds, with that input's size. */
  worstNsPerByte: number;
  worstBytes: number;
  /** Slowest single input, in milliseconds of wall time. */
  worstMs: number;
  /** The most CPU time one input took, in milliseconds (this process's, all threads): unlike the wall time, not inflated when a niced run waits for a CPU. */
  worstCpuMs: number;
  failure: { seed: number; path: string; counterexample: string; error: string } | undefined;
  /**
   * The live memory (V8 heap plus buffers, right after a full collection) between chunks, in MB:
   * after the first chunk (fixtures built, code compiled), at the end, and the most seen.
   * `grew` says it kept rising: the end is over the first by more than 32 MB and by more than half.
   * Peak RSS cannot say this; one large input raises it for good without anything being kept.
   */
  live: { firstMb: number; lastMb: number; maxMb: number; grew: boolean };
};

/** The process's CPU time (user + system) so far, in milliseconds. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

let fullGc: (() => void) | undefined;
/** Live memory in MB after a full collection (`gc`, exposed on first use without a flag on the command line). */
function liveMb(): number {
  if (fullGc === undefined) {
    setFlagsFromString('--expose-gc');
    fullGc = runInNewContext('gc') as () => void;
  }
  fullGc();
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 1e6;
}

/**
 * Live memory once the event loop has turned until it stops falling. A parser is synchronous,
 * and some of what it lets go is only freed on a later turn: a zlib one-shot call that fails
 * (a corrupt gzip) closes its stream on the next tick, so its buffers stay reachable until then.
 * A fuzz chunk runs thousands of inputs without a turn; bootmedic turns the loop between them.
 */
async function settledLiveMb(): Promise<number> {
  let mb = liveMb();
  for (let t = 0; t < 10; t++) {
    await turn();
    const next = liveMb();
    if (t >= 1 && next > mb - 1) return Math.min(mb, next);
    mb = next;
  }
  return mb;
}

/**
 * Runs `target` for `timeMs` from `seed`, timing each input; a failure is shrunk to a
 * minimal counterexample. With `clock: 'cpu'` the budget is this process's CPU time, not
 * the wall clock: a run that shares the machine (or is niced below other work) still does
 * the same amount of fuzzing. It runs in chunks of up to `chunkMs` (5 s), chunk k from seed
 * `seed + k`, so a failure's seed replays it alone; between chunks it lets the event loop turn
 * and measures the live memory.
 */
export async function fuzzFor<T>(target: FuzzTarget<T>, opts: { seed: number; timeMs: number; clock?: 'wall' | 'cpu'; chunkMs?: number }): Promise<FuzzRun> {
  const out: FuzzRun = { runs: 0, refused: 0, worstNsPerByte: 0, worstBytes: 0, worstMs: 0, worstCpuMs: 0, failure: undefined, live: { firstMb: 0, lastMb: 0, maxMb: 0, grew: false } };
  const arbitrary = target.arbitrary();
  const property = fc.property(arbitrary, (input) => {
    const t0 = process.hrtime.bigint();
    const c0 = cpuMs();
    const code = runCatalogued(target, input);
    const ns = Number(process.hrtime.bigint() - t0);
    out.worstCpuMs = Math.max(out.worstCpuMs, cpuMs() - c0);
    out.runs++;
    if (code !== undefined) out.refused++;
    const bytes = Math.max(1, target.size(input));
    // Per byte only over inputs of 1 KiB or more: below, the fixed cost of a call dominates.
    if (bytes >= 1024 && ns / bytes > out.worstNsPerByte) {
      out.worstNsPerByte = ns / bytes;
      out.worstBytes = bytes;
    }
    out.worstMs = Math.max(out.worstMs, ns / 1e6);
  });
  const check = (seed: number, wallMs: number): boolean => {
    const details = fc.check(property, { seed, numRuns: Number.MAX_SAFE_INTEGER, plugins: [fc.interruptAfterTimeLimit(wallMs)] });
    if (!details.failed) return true;
    const err = details.errorInstance as Error | undefined;
    out.failure = { seed: details.seed, path: details.counterexamplePath ?? '?', counterexample: showInput((details.counterexample as [T] | null)?.[0]), error: (err?.stack ?? String(err)).split('\n').slice(0, 6).join('\n') };
    return false;
  };
  const now = opts.clock === 'cpu' ? cpuMs : Date.now;
  const chunkMs = opts.chunkMs ?? 5_000;
  const end = now() + opts.timeMs;
  for (let k = 0; now() < end; k++) {
    if (!check(opts.seed + k, Math.max(1, Math.min(chunkMs, end - now())))) break;
    const mb = await settledLiveMb();
    if (k === 0) out.live.firstMb = mb;
    out.live.lastMb = mb;
    out.live.maxMb = Math.max(out.live.maxMb, mb);
  }
  const { firstMb, lastMb } = out.live;
  out.live.grew = lastMb - firstMb > Math.max(32, firstMb / 2);
  return out;
}

/**
 * How time grows with the input: the fastest of `reps` runs of `grow(4n)` over the fastest
 * of `grow(n)` (the fastest is the one least disturbed by other work on the machine).
 * About 4 is linear; about 16 is quadratic.
 */
export function growthRatio<T>(target: FuzzTarget<T>, n: number, reps = 7): { ratio: number; msAtN: number; msAt4N: number } | undefined {
  if (target.grow === undefined) return undefined;
  const time = (size: number) => {
    const input = target.grow!(size);
    const ts: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = process.hrtime.bigint();
      runCatalogued(target, input);
      ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return Math.min(...ts);
  };
  time(n); // warm-up: compile the hot paths before measuring
  const msAtN = time(n);
  const msAt4N = time(4 * n);
  return { ratio: msAt4N / Math.max(msAtN, 1e-3), msAtN, msAt4N };
}

/**
 * Runs an ES module snippet in a child Node, killed after `limitMs`: a guard against a
 * quadratic parser coming back, for inputs where linear code needs a hundredth of the limit
 * (a synchronous test cannot be interrupted by node:test's own timeout).
 */
export function runGuarded(script: string, limitMs = 60_000): { finished: boolean; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: limitMs, killSignal: 'SIGKILL' });
  return { finished: r.signal === null && r.status === 0, stdout: r.stdout, stderr: r.stderr };
}
