// Pure parsers of the kernel's own text interfaces (Documentation/accounting/psi.rst,
// Documentation/filesystems/proc.rst, Documentation/scheduler/sched-stats.rst). Each takes
// the file's text and returns numbers; text of the wrong shape is MONITOR_COLLECT_BAD_TEXT
// naming the file and the line, never a NaN passed on.
import { monitorErrors } from '../errors.ts';

const bad = (file: string, what: string) => monitorErrors.make('MONITOR_COLLECT_BAD_TEXT', `${file}: ${what}`);

function int(file: string, token: string | undefined, what: string): number {
  if (token === undefined || !/^\d+$/.test(token)) throw bad(file, `${what} is '${token ?? ''}', not a non-negative integer`);
  return Number(token);
}

/** One PSI line: the share of time stalled over 10 s, 60 s and 300 s (percent) and the total stall (µs). */
export type PsiLine = Readonly<{ avg10: number; avg60: number; avg300: number; totalUs: number }>;

/** Parses /proc/pressure/{cpu,memory,io}: a `some` line and (since Linux 5.13 for cpu) a `full` line. */
export function parsePsi(file: string, text: string): { some: PsiLine; full?: PsiLine } {
  const out: { some?: PsiLine; full?: PsiLine } = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^(some|full) avg10=(\d+\.\d+) avg60=(\d+\.\d+) avg300=(\d+\.\d+) total=(\d+)$/.exec(line.trim());
    if (!m) throw bad(file, `line '${line.slice(0, 80)}' is not 'some|full avg10=.. avg60=.. avg300=.. total=..'`);
    out[m[1] as 'some' | 'full'] = { avg10: Number(m[2]), avg60: Number(m[3]), avg300: Number(m[4]), totalUs: Number(m[5]) };
  }
  if (!out.some) throw bad(file, 'no "some" line');
  return out.full ? { some: out.some, full: out.full } : { some: out.some };
}

/** Parses `key value` lines (/proc/vmstat) into a map; only the keys asked for are kept and each must be present. */
export function parseKeyValues<K extends string>(file: string, text: string, keys: readonly K[]): Record<K, number> {
  const want = new Set<string>(keys);
  const out: Partial<Record<K, number>> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k !== undefined && want.has(k)) out[k as K] = int(file, v, k);
  }
  for (const k of keys) if (out[k] === undefined) throw bad(file, `no '${k}' line`);
  return out as Record<K, number>;
}

/** Parses /proc/meminfo's `Key:   N kB` lines for the keys asked, in bytes. */
export function parseMeminfo<K extends string>(file: string, text: string, keys: readonly K[]): Record<K, number> {
  const out: Partial<Record<K, number>> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s+(\S+)(?:\s+kB)?\s*$/.exec(line);
    if (m && (keys as readonly string[]).includes(m[1]!)) out[m[1] as K] = int(file, m[2], m[1]!) * 1024;
  }
  for (const k of keys) if (out[k] === undefined) throw bad(file, `no '${k}:' line`);
  return out as Record<K, number>;
}

/** Parses /proc/loadavg: the 1, 5 and 15 minute load averages. */
export function parseLoadavg(file: string, text: string): { load1: number; load5: number; load15: number } {
  const m = /^(\d+\.\d+) (\d+\.\d+) (\d+\.\d+) /.exec(text);
  if (!m) throw bad(file, `'${text.trim().slice(0, 80)}' does not start with three load averages`);
  return { load1: Number(m[1]), load5: Number(m[2]), load15: Number(m[3]) };
}

/** Parses the aggregate `cpu` line of /proc/stat: steal and the total of all fields, in USER_HZ ticks. */
export function parseCpuTicks(file: string, text: string): { steal: number; total: number } {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) throw bad(file, "no aggregate 'cpu' line");
  const fields = line.trim().split(/\s+/).slice(1);
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is also
  // counted in user, so the total stops at steal.
  if (fields.length < 8) throw bad(file, `the cpu line has ${fields.length} fields, expected at least 8 (steal is the 8th)`);
  const nums = fields.slice(0, 8).map((f, i) => int(file, f, `cpu field ${i + 1}`));
  return { steal: nums[7]!, total: nums.reduce((a, b) => a + b, 0) };
}

/** Counts TCP sockets in SYN_RECV (state 03) in /proc/net/tcp or tcp6 (whose header says remote_address, not rem_address). */
export function countSynRecv(file: string, text: string): number {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0 || !/^\s*sl\s+local_address\s+rem(?:ote)?_address\s+st\b/.test(lines[0]!)) throw bad(file, 'the header is not "sl local_address rem_address st ..."');
  let n = 0;
  for (const line of lines.slice(1)) {
    const st = line.trim().split(/\s+/)[3];
    if (st === undefined || !/^[0-9A-F]{2}$/i.test(st)) throw bad(file, `line '${line.trim().slice(0, 60)}' has no state column`);
    if (st === '03') n++;
  }
  return n;
}

/** Parses /proc/schedstat (version 15 and later): time running and waiting on a run queue, summed over CPUs, in ns. */
export function parseSchedstat(file: string, text: string): { runNs: number; waitNs: number; cpus: number } {
  const lines = text.split('\n');
  const version = /^version (\d+)$/.exec(lines[0]?.trim() ?? '');
  if (!version || Number(version[1]) < 15) throw bad(file, `first line '${lines[0] ?? ''}' is not 'version 15' or later`);
  let runNs = 0;
  let waitNs = 0;
  let cpus = 0;
  for (const line of lines) {
    if (!/^cpu\d+ /.test(line)) continue;
    const f = line.trim().split(/\s+/);
    // Fields after the cpu name: 7th = rq_cpu_time (ns running), 8th = run_delay (ns waiting).
    runNs += int(file, f[7], `${f[0]} running time`);
    waitNs += int(file, f[8], `${f[0]} waiting time`);
    cpus++;
  }
  if (cpus === 0) throw bad(file, 'no cpuN lines');
  return { runNs, waitNs, cpus };
}

/** USER_HZ: the unit of /proc/<pid>/stat and /proc/stat times; fixed at 100 in the kernel's user ABI. */
export const USER_HZ = 100;

/** Parses /proc/<pid>/stat: user and system CPU time in seconds (fields 14 and 15, after the parenthesised name). */
export function parsePidStat(file: string, text: string): { cpuSeconds: number } {
  const close = text.lastIndexOf(')');
  if (close < 0) throw bad(file, 'no "(comm)" field');
  const f = text.slice(close + 1).trim().split(/\s+/);
  // f[0] is field 3 (state), so utime (14) is f[11] and stime (15) is f[12].
  return { cpuSeconds: (int(file, f[11], 'utime') + int(file, f[12], 'stime')) / USER_HZ };
}

/** Parses VmRSS from /proc/<pid>/status, in bytes. */
export function parsePidRss(file: string, text: string): number {
  return parseMeminfo(file, text, ['VmRSS'] as const).VmRSS;
}
