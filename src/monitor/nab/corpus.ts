// Reads a NAB copy: data/<group>/<file>.csv series and labels/combined_windows.json.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkPath, isBootmedicError, readGuardedText } from '../../core/index.ts';
import { monitorErrors } from '../errors.ts';
import type { Window } from './sweep.ts';

/** One NAB series with its label windows as row indices. */
export type NabSeries = Readonly<{
  /** NAB's key for the series: `<group>/<file>.csv`. */
  name: string;
  /** Timestamps as written in the file (`YYYY-MM-DD HH:MM:SS`). */
  stamps: readonly string[];
  /** Milliseconds since the epoch, reading the naive timestamps as UTC. */
  times: Float64Array;
  values: Float64Array;
  windows: readonly Window[];
}>;

/** A NAB corpus: its series in name order and the number of label windows. */
export type NabCorpus = Readonly<{ folder: string; series: readonly NabSeries[]; windows: number }>;

const STAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)?$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

// Window edges carry microseconds (".000000"); rows do not. Both reduce to one key.
function stampKey(s: string): string | undefined {
  const m = STAMP.exec(s);
  if (m === null) return undefined;
  const frac = (m[3] ?? '').replace(/\.?0+$/, '');
  return `${m[1]} ${m[2]}${frac}`;
}

/** Parses one NAB series file's text; throws MONITOR_NAB_BAD_CSV naming the file and line. */
export function parseSeriesCsv(text: string, file: string): { stamps: string[]; times: Float64Array; values: Float64Array } {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const bad = (line: number, why: string) => monitorErrors.make('MONITOR_NAB_BAD_CSV', `${file}:${line}: ${why}`);
  if (lines[0]?.trim() !== 'timestamp,value') throw bad(1, `the header is '${(lines[0] ?? '').slice(0, 40)}', not 'timestamp,value'`);
  if (lines.length < 2) throw bad(2, 'the file has no rows');
  const n = lines.length - 1;
  const stamps: string[] = new Array<string>(n);
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const line = lines[i + 1]!;
    const comma = line.indexOf(',');
    const stamp = comma < 0 ? line : line.slice(0, comma);
    const raw = comma < 0 ? '' : line.slice(comma + 1).trim();
    const key = stampKey(stamp);
    if (key === undefined) throw bad(i + 2, `'${stamp.slice(0, 40)}' is not a timestamp YYYY-MM-DD HH:MM:SS`);
    if (!NUMBER.test(raw)) throw bad(i + 2, `'${raw.slice(0, 40)}' is not a number`);
    stamps[i] = stamp;
    times[i] = Date.parse(`${key.replace(' ', 'T')}Z`);
    values[i] = Number(raw);
  }
  return { stamps, times, values };
}

/** A NAB file is a few MB; anything past this is not one. */
const NAB_FILE_MAX_BYTES = 256 * 1024 * 1024;

function readText(path: string, what: () => Error): string {
  try {
    return readGuardedText(path, { what: 'NAB file', maxBytes: NAB_FILE_MAX_BYTES });
  } catch (e) {
    throw Object.assign(what(), { cause: e });
  }
}

/** The sub-folders of a folder checked through the guarded open (a FIFO or file named like one is refused). */
function subfolders(dir: string): string[] {
  checkPath(dir, { what: 'NAB data folder', kind: 'directory' });
  return readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
}

function windowsOf(name: string, stamps: readonly string[], raw: unknown): Window[] {
  const bad = (why: string) => monitorErrors.make('MONITOR_NAB_BAD_LABELS', `labels/combined_windows.json: ${name}: ${why}`);
  if (!Array.isArray(raw)) throw bad(raw === undefined ? 'no entry for this series' : 'the entry is not a list of [start, end] pairs');
  const index = new Map<string, number>();
  // A repeated timestamp (a clock turned back) names its first row, as NAB's list index does.
  stamps.forEach((s, i) => {
    const k = stampKey(s)!;
    if (!index.has(k)) index.set(k, i);
  });
  const out: Window[] = [];
  for (const pair of raw as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') throw bad('a window is not a [start, end] pair of timestamps');
    const [a, b] = pair as [string, string];
    const start = index.get(stampKey(a) ?? '');
    const end = index.get(stampKey(b) ?? '');
    if (start === undefined || end === undefined) throw bad(`window edge ${start === undefined ? a : b} is not a timestamp of the series`);
    if (end < start || (out.length > 0 && start <= out[out.length - 1]!.end)) throw bad(`window ${a} .. ${b} is reversed or overlaps the one before it`);
    out.push({ start, end });
  }
  return out;
}

/**
 * Loads a NAB copy from `folder` (holding data/ and labels/): every data/<group>/*.csv and
 * its windows. Throws MONITOR_NAB_BAD_FOLDER, MONITOR_NAB_BAD_CSV or MONITOR_NAB_BAD_LABELS.
 *
 * @example
 * const corpus = loadNabCorpus('../shared/corpus/nab');
 */
export function loadNabCorpus(folder: string): NabCorpus {
  const dataDir = join(folder, 'data');
  let groups: string[];
  try {
    groups = subfolders(dataDir).sort();
  } catch (e) {
    throw monitorErrors.make('MONITOR_NAB_BAD_FOLDER', `${folder}: cannot read ${dataDir}: ${isBootmedicError(e) ? e.message : ((e as NodeJS.ErrnoException).code ?? (e as Error).message)}`, { cause: e });
  }
  const files = groups.flatMap((g) => readdirSync(join(dataDir, g), { withFileTypes: true }).filter((f) => f.isFile() && f.name.endsWith('.csv')).map((f) => f.name).sort().map((f) => `${g}/${f}`));
  if (files.length === 0) throw monitorErrors.make('MONITOR_NAB_BAD_FOLDER', `${folder}: data/ holds no <group>/*.csv series`);
  const labelPath = join(folder, 'labels', 'combined_windows.json');
  const labelText = readText(labelPath, () => monitorErrors.make('MONITOR_NAB_BAD_LABELS', `${labelPath}: cannot be read`));
  let labels: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(labelText);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    labels = parsed as Record<string, unknown>;
  } catch (e) {
    throw monitorErrors.make('MONITOR_NAB_BAD_LABELS', `${labelPath}: not a JSON object of series → windows: ${(e as Error).message}`, { cause: e });
  }
  let windows = 0;
  const series = files.map((name): NabSeries => {
    const path = join(dataDir, name);
    const text = readText(path, () => monitorErrors.make('MONITOR_NAB_BAD_CSV', `${path}: cannot be read`));
    const { stamps, times, values } = parseSeriesCsv(text, path);
    const w = windowsOf(name, stamps, labels[name]);
    windows += w.length;
    return { name, stamps, times, values, windows: w };
  });
  return { folder, series, windows };
}
