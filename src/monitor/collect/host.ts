// The host collectors: a table from a kind to a small handler, like image/repair.ts's
// IMPLS. Each handler reads its kernel interface through the injected HostReader, parses
// it with a pure parser and returns samples, or says the source is not on this host.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { runTool, isBootmedicError, type BootmedicError } from '../../core/index.ts';
import { countSynRecv, parseCpuTicks, parseKeyValues, parseLoadavg, parseMeminfo, parsePsi, parseSchedstat } from './host-parsers.ts';
import type { Sample } from './metrics.ts';
import { parseSmartHealth, parseSmartScan } from './smart.ts';
import type { HostReader, Outcome, Rates } from './types.ts';

/** What a host collector gets each round. */
export type HostContext = Readonly<{ read: HostReader; rates: Rates; nowMs: number }>;

type Handler = Readonly<{
  /** Run at most this often (ms); between runs the last outcome is reused. Default: every round. */
  everyMs?: number;
  collect(ctx: HostContext): Outcome | Promise<Outcome>;
}>;

const ok = (samples: Sample[]): Outcome => ({ type: 'ok', samples });
const unavailable = (reason: string): Outcome => ({ type: 'unavailable', reason });

const PSI_RESOURCES = ['cpu', 'memory', 'io'] as const;
const EDAC = '/sys/devices/system/edac/mc';
const KVM_DEBUGFS = '/sys/kernel/debug/kvm';
/** KVM statistics kept: bounded, since each is a label value. */
const MAX_KVM_STATS = 64;

function psi({ read }: HostContext): Outcome {
  const samples: Sample[] = [];
  for (const resource of PSI_RESOURCES) {
    const file = `/proc/pressure/${resource}`;
    const text = read.text(file);
    if (text === undefined) return unavailable(`${file} is missing (kernel without CONFIG_PSI, or psi=0 on its command line)`);
    const p = parsePsi(file, text);
    const labels = { resource };
    samples.push({ name: 'bootmedic_host_psi_some_ratio', value: p.some.avg10 / 100, labels }, { name: 'bootmedic_host_psi_some_stall_seconds_total', value: p.some.totalUs / 1e6, labels });
    if (p.full) samples.push({ name: 'bootmedic_host_psi_full_ratio', value: p.full.avg10 / 100, labels }, { name: 'bootmedic_host_psi_full_stall_seconds_total', value: p.full.totalUs / 1e6, labels });
  }
  return ok(samples);
}

function faults({ read, rates, nowMs }: HostContext): Outcome {
  const text = read.text('/proc/vmstat');
  if (text === undefined) return unavailable('/proc/vmstat is missing');
  const v = parseKeyValues('/proc/vmstat', text, ['pgfault', 'pgmajfault'] as const);
  const all = rates.perSecond('pgfault', v.pgfault, nowMs);
  const major = rates.perSecond('pgmajfault', v.pgmajfault, nowMs);
  // The first round has no earlier counter to subtract; rates appear from the second.
  return ok([
    ...(all !== undefined ? [{ name: 'bootmedic_host_page_faults_per_second' as const, value: all }] : []),
    ...(major !== undefined ? [{ name: 'bootmedic_host_major_page_faults_per_second' as const, value: major }] : []),
  ]);
}

function memory({ read }: HostContext): Outcome {
  const mem = read.text('/proc/meminfo');
  const load = read.text('/proc/loadavg');
  if (mem === undefined || load === undefined) return unavailable('/proc/meminfo or /proc/loadavg is missing');
  const m = parseMeminfo('/proc/meminfo', mem, ['MemAvailable', 'SwapTotal', 'SwapFree'] as const);
  const l = parseLoadavg('/proc/loadavg', load);
  return ok([
    { name: 'bootmedic_host_memory_available_bytes', value: m.MemAvailable },
    { name: 'bootmedic_host_swap_total_bytes', value: m.SwapTotal },
    { name: 'bootmedic_host_swap_free_bytes', value: m.SwapFree },
    { name: 'bootmedic_host_load1', value: l.load1 },
    { name: 'bootmedic_host_load5', value: l.load5 },
    { name: 'bootmedic_host_load15', value: l.load15 },
  ]);
}

function steal({ read, rates }: HostContext): Outcome {
  const text = read.text('/proc/stat');
  if (text === undefined) return unavailable('/proc/stat is missing');
  const t = parseCpuTicks('/proc/stat', text);
  const r = rates.ratio('steal', t.steal, t.total);
  return ok(r !== undefined ? [{ name: 'bootmedic_host_cpu_steal_ratio', value: r }] : []);
}

function edac({ read }: HostContext): Outcome {
  const mcs = read.list(EDAC)?.filter((n) => /^mc\d+$/.test(n)) ?? [];
  if (mcs.length === 0) return unavailable(`no memory controller under ${EDAC} (no ECC memory, or no EDAC driver loaded)`);
  const samples: Sample[] = [];
  for (const controller of mcs.sort()) {
    const ce = read.text(`${EDAC}/${controller}/ce_count`);
    const ue = read.text(`${EDAC}/${controller}/ue_count`);
    const counts = parseKeyValues(`${EDAC}/${controller}`, `ce ${ce?.trim() ?? ''}\nue ${ue?.trim() ?? ''}`, ['ce', 'ue'] as const);
    samples.push({ name: 'bootmedic_host_edac_corrected_errors_total', value: counts.ce, labels: { controller } }, { name: 'bootmedic_host_edac_uncorrected_errors_total', value: counts.ue, labels: { controller } });
  }
  return ok(samples);
}

async function smart({ read }: HostContext): Promise<Outcome> {
  const scan = await read.tool('smartctl', ['--scan', '--json']);
  if (scan === undefined) return unavailable('smartctl is not installed (Debian package smartmontools; optional)');
  const devices = parseSmartScan(scan.stdout);
  const samples: Sample[] = [];
  for (const device of devices) {
    const r = await read.tool('smartctl', ['--json', '-H', '-A', '-l', 'error', device]);
    // smartctl's exit status is a bit mask; bits 0 and 1 mean it could not read the device at all.
    if (r === undefined || (r.code & 3) !== 0) continue;
    const h = parseSmartHealth(device, r.stdout);
    if (!h) continue;
    const labels = { device };
    samples.push({ name: 'bootmedic_host_smart_healthy', value: h.passed ? 1 : 0, labels });
    if (h.mediaErrors !== undefined) samples.push({ name: 'bootmedic_host_smart_media_errors_total', value: h.mediaErrors, labels });
    if (h.errorLogEntries !== undefined) samples.push({ name: 'bootmedic_host_smart_error_log_entries_total', value: h.errorLogEntries, labels });
  }
  if (samples.length === 0) return unavailable(devices.length === 0 ? 'smartctl finds no disk (virtual disks have no SMART)' : `no SMART data from ${devices.join(', ')} (virtual disks have no SMART)`);
  return ok(samples);
}

function tcp({ read }: HostContext): Outcome {
  const v4 = read.text('/proc/net/tcp');
  const v6 = read.text('/proc/net/tcp6');
  if (v4 === undefined && v6 === undefined) return unavailable('/proc/net/tcp and tcp6 are missing');
  const n = (v4 === undefined ? 0 : countSynRecv('/proc/net/tcp', v4)) + (v6 === undefined ? 0 : countSynRecv('/proc/net/tcp6', v6));
  return ok([{ name: 'bootmedic_host_tcp_syn_recv', value: n }]);
}

function sched({ read }: HostContext): Outcome {
  const text = read.text('/proc/schedstat');
  if (text === undefined) return unavailable('/proc/schedstat is missing (kernel without CONFIG_SCHEDSTATS)');
  const s = parseSchedstat('/proc/schedstat', text);
  return ok([{ name: 'bootmedic_host_sched_run_seconds_total', value: s.runNs / 1e9 }, { name: 'bootmedic_host_sched_wait_seconds_total', value: s.waitNs / 1e9 }]);
}

function kvm({ read }: HostContext): Outcome {
  if (!read.exists('/dev/kvm')) return unavailable('/dev/kvm is missing (no hardware virtualisation, or the kvm module is not loaded)');
  const names = read.list(KVM_DEBUGFS);
  if (names === undefined) return unavailable(`${KVM_DEBUGFS} is not readable (debugfs not mounted, or not root)`);
  const samples: Sample[] = [];
  for (const stat of names.filter((n) => /^[a-z0-9_]+$/.test(n)).sort().slice(0, MAX_KVM_STATS)) {
    const text = read.text(`${KVM_DEBUGFS}/${stat}`)?.trim();
    // Per-VM folders and non-numeric files are skipped: only host-wide counters are kept.
    if (text !== undefined && /^\d+$/.test(text)) samples.push({ name: 'bootmedic_host_kvm_stat', value: Number(text), labels: { stat } });
  }
  return samples.length === 0 ? unavailable(`${KVM_DEBUGFS} holds no statistics`) : ok(samples);
}

/** Every host collector by kind; adding one touches one row. */
export const HOST_COLLECTORS = {
  psi: { collect: psi },
  faults: { collect: faults },
  memory: { collect: memory },
  steal: { collect: steal },
  edac: { collect: edac },
  smart: { collect: smart, everyMs: 10 * 60_000 },
  tcp: { collect: tcp },
  sched: { collect: sched },
  kvm: { collect: kvm },
} as const satisfies Record<string, Handler>;

/** A host collector's kind. */
export type HostCollectorKind = keyof typeof HOST_COLLECTORS;

/** Runs one collector, turning a catalogued error into a `failed` outcome so the others still run. */
export async function runCollector(kind: HostCollectorKind, ctx: HostContext): Promise<Outcome> {
  try {
    return await HOST_COLLECTORS[kind].collect(ctx);
  } catch (e) {
    if (isBootmedicError(e)) return { type: 'failed', error: e as BootmedicError };
    throw e;
  }
}

/** Reads the real host: /proc and /sys files, and host programs through runTool. */
export const realHostReader: HostReader = Object.freeze({
  text(path: string) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  list(path: string) {
    try {
      return readdirSync(path);
    } catch {
      return undefined;
    }
  },
  exists: (path: string) => existsSync(path),
  async tool(name: string, args: readonly string[]) {
    try {
      const r = await runTool(name, [...args], { check: false, timeoutMs: 30_000 });
      return { code: r.code, stdout: r.stdout };
    } catch (e) {
      if (isBootmedicError(e, 'TOOL_MISSING')) return undefined;
      throw e;
    }
  },
});
