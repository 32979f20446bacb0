// Per-VM collection. A VmSource is the seam between the collection loop and a backend:
// the QEMU one below asks QMP (query-blockstats, query-cpus-fast, query-balloon and, when
// the VM polls balloon statistics, qom-get guest-stats) and reads the QEMU process's
// /proc/<pid>/stat and status. A libvirt backend would implement the same type over
// `virsh domstats`, which reads the same figures without tainting the domain.
import { isBootmedicError, type BootmedicError } from '../../core/index.ts';
import { monitorErrors } from '../errors.ts';
import { realHostReader } from './host.ts';
import { parsePidRss, parsePidStat } from './host-parsers.ts';
import type { Sample } from './metrics.ts';
import type { HostReader, Outcome } from './types.ts';

/** Where one VM's figures come from. */
export type VmSource = Readonly<{ vm: string; collect(): Promise<Outcome> }>;

/** Runs one QMP command: a running VM's `qmp`, or `(c, a) => client.execute(c, a, timeoutMs)` over a QmpClient. */
export type QmpCall = (command: string, args?: Record<string, unknown>) => Promise<unknown>;

/** A QEMU VM to collect from. */
export type QemuVmTarget = Readonly<{
  vm: string;
  qmp: QmpCall;
  /** The QEMU process id, for RSS and CPU time. */
  pid?: number;
  /** QOM path of a virtio-balloon device with stats polling on (e.g. /machine/peripheral/balloon0). */
  balloonPath?: string;
}>;

const badQmp = (command: string, what: string) => monitorErrors.make('MONITOR_COLLECT_BAD_QMP', `QMP ${command}: ${what}`);

/** A QMP integer: a JSON number, or the exact decimal string the client gives past 2^53. */
function qint(command: string, field: string, v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  throw badQmp(command, `${field} is ${JSON.stringify(v)}, not an integer`);
}

const rec = (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** Turns a query-blockstats reply into samples; a device is named by its drive id, else its qdev path, else its node name. */
export function blockSamples(vm: string, reply: unknown): Sample[] {
  if (!Array.isArray(reply)) throw badQmp('query-blockstats', 'the reply is not a list');
  const out: Sample[] = [];
  for (const entry of reply) {
    const e = rec(entry);
    const stats = rec(e?.['stats']);
    if (!e || !stats) throw badQmp('query-blockstats', 'an entry has no "stats" object');
    const device = [e['device'], e['qdev'], e['node-name']].find((d): d is string => typeof d === 'string' && d !== '');
    if (device === undefined) continue;
    const labels = { vm, device };
    const n = (f: string) => qint('query-blockstats', f, stats[f]);
    out.push(
      { name: 'bootmedic_vm_block_read_bytes_total', value: n('rd_bytes'), labels },
      { name: 'bootmedic_vm_block_write_bytes_total', value: n('wr_bytes'), labels },
      { name: 'bootmedic_vm_block_read_ops_total', value: n('rd_operations'), labels },
      { name: 'bootmedic_vm_block_write_ops_total', value: n('wr_operations'), labels },
      { name: 'bootmedic_vm_block_failed_ops_total', value: n('failed_rd_operations') + n('failed_wr_operations') + n('failed_flush_operations'), labels },
    );
  }
  return out;
}

/** Turns qom-get guest-stats into the guest's free memory; undefined until the guest has reported (last-update 0) or when it does not report that figure. */
export function guestFreeMemory(reply: unknown): number | undefined {
  const r = rec(reply);
  const stats = rec(r?.['stats']);
  if (!r || !stats) throw badQmp('qom-get guest-stats', 'the reply has no "stats" object');
  if (r['last-update'] === 0) return undefined;
  const free = stats['stat-free-memory'];
  // QEMU reports a figure the guest did not send as -1 (as an unsigned 64-bit value).
  return typeof free === 'number' && free >= 0 && Number.isSafeInteger(free) ? free : undefined;
}

/** A QMP error of a class that means "this VM has no such device", not breakage. */
const absent = (e: unknown) => isBootmedicError(e) && /DeviceNotActive|DeviceNotFound|has no balloon|No balloon/i.test(e.message);

/** Collects one QEMU VM over QMP and /proc (the real /proc unless `read` says otherwise). */
export function qemuVmSource(t: QemuVmTarget, read: HostReader = realHostReader): VmSource {
  const vm = t.vm;
  return {
    vm,
    async collect() {
      try {
        const samples: Sample[] = blockSamples(vm, await t.qmp('query-blockstats'));
        const cpus = await t.qmp('query-cpus-fast');
        if (!Array.isArray(cpus)) throw badQmp('query-cpus-fast', 'the reply is not a list');
        samples.push({ name: 'bootmedic_vm_vcpus', value: cpus.length, labels: { vm } });
        const balloon = await t.qmp('query-balloon').catch((e: unknown) => (absent(e) ? undefined : Promise.reject(e)));
        if (balloon !== undefined) samples.push({ name: 'bootmedic_vm_balloon_actual_bytes', value: qint('query-balloon', 'actual', rec(balloon)?.['actual']), labels: { vm } });
        if (balloon !== undefined && t.balloonPath !== undefined) {
          const free = guestFreeMemory(await t.qmp('qom-get', { path: t.balloonPath, property: 'guest-stats' }));
          if (free !== undefined) samples.push({ name: 'bootmedic_vm_guest_free_memory_bytes', value: free, labels: { vm } });
        }
        if (t.pid !== undefined) {
          const stat = read.text(`/proc/${t.pid}/stat`);
          const status = read.text(`/proc/${t.pid}/status`);
          if (stat !== undefined && status !== undefined) {
            samples.push(
              { name: 'bootmedic_vm_qemu_cpu_seconds_total', value: parsePidStat(`/proc/${t.pid}/stat`, stat).cpuSeconds, labels: { vm } },
              { name: 'bootmedic_vm_qemu_rss_bytes', value: parsePidRss(`/proc/${t.pid}/status`, status), labels: { vm } },
            );
          }
        }
        return { type: 'ok', samples };
      } catch (e) {
        if (isBootmedicError(e)) return { type: 'failed', error: e as BootmedicError };
        throw e;
      }
    },
  };
}
