// The QoS classes and limits of a VM as a libvirt domain's resource tuning: <cputune>,
// <memtune> and <blkiotune> (libvirt's formatdomain "CPU Tuning", "Memory Tuning", "Block
// I/O Tuning"). One plan, rendered two ways: an XML fragment for a domain bootmedic defines
// itself (drills), and `virsh schedinfo/memtune/blkiotune --config` calls for an operator's
// opted-in domain. Pure.
//
// Choices, against the cgroup v2 plan (cgroup.ts) that QEMU VMs bootmedic launches get:
// - CPU: shares 10240 for guaranteed, 1024 (libvirt's and the kernel's default) for
//   burstable: the same 10:1 ratio as cpu.weight 1000 vs 100. A CPU limit caps the whole
//   domain with <global_period>/<global_quota>; libvirt's <period>/<quota> are per vCPU,
//   so a 2-vCPU domain with quota 50000 would get one whole CPU, not half of one.
// - Memory: <hard_limit> is memory.max, <soft_limit> the level the kernel reclaims a
//   domain toward under pressure (the nearest thing to memory.min/high that the QEMU driver
//   has). <min_guarantee> is left out: libvirt accepts it only for VMware ESX and OpenVZ,
//   and the QEMU driver refuses it. libvirt raises QEMU's RLIMIT_MEMLOCK to the hard limit
//   at start, which needs CAP_SYS_RESOURCE: where libvirtd lacks it (a sandbox that drops
//   it, like this project's test machine) a hard limit makes the domain fail to start
//   ("cannot limit locked memory ... Operation not permitted"), so it is left out there
//   and `omitted` says so; the soft limit stays.
// - No <memoryBacking><locked/> for guaranteed: locking needs a hard limit and
//   RLIMIT_MEMLOCK for all of it, pins every page at start (no balloon, no KSM, no swap),
//   and what a guaranteed VM is promised here (admission counts its whole memory until it
//   touches it; it is never overcommitted; its soft limit keeps it from being reclaimed
//   first) does not need it. An operator who wants locked pages adds it to the domain.
// - Block I/O: a weight (1000 guaranteed, 500 burstable: cgroup v1's default; 100-1000),
//   and the iops/bytes limits as device throttles on each host block device under the
//   domain's disks. A weight is only written where the host's blkio controller has one
//   (cgroup v1 has blkio.weight only with the BFQ scheduler): libvirt would refuse to
//   start a domain whose weight it cannot write.
import { assertNever } from '../core/index.ts';
import { QEMU_OVERHEAD_MIB, type QosInput } from './cgroup.ts';

/** cfs period in µs (the kernel's default). */
const PERIOD_US = 100_000;
const SHARES = { guaranteed: 10240, burstable: 1024 } as const;
const BLKIO_WEIGHT = { guaranteed: 1000, burstable: 500 } as const;

/** A memtune value: KiB, or unlimited (libvirt's -1; left out of the XML). */
export type KiBLimit = number | 'unlimited';

/** A throttled host block device (its /dev path, as libvirt's <blkiotune><device> takes it). */
export type ThrottledDevice = Readonly<{ path: string; iops?: number; bytesPerSecond?: number }>;

/** The resource tuning of one domain. */
export type LibvirtTunes = Readonly<{
  cputune: Readonly<{ shares: number; globalPeriod?: number; globalQuota?: number }>;
  memtune: Readonly<{ hardLimitKiB: KiBLimit; softLimitKiB: KiBLimit }>;
  blkiotune: Readonly<{ weight?: number; devices: readonly ThrottledDevice[] }>;
  /** What the class asked for and this host cannot take, and why. */
  omitted?: string;
}>;

/**
 * What the host offers: the block devices under the domain's disks, whether blkio has a
 * weight, and whether libvirtd may raise QEMU's locked-memory limit to a hard limit
 * (`hardLimit`, default true).
 */
export type TuneHost = Readonly<{ devices?: readonly string[]; blkioWeight?: boolean; hardLimit?: boolean }>;

const kib = (mib: number) => Math.round(mib) * 1024;
const quota = (cpus: number) => Math.max(1000, Math.round(cpus * PERIOD_US));

/**
 * The tuning of a VM's class and limits. `guaranteed`: high shares, a CPU cap of its own
 * vCPUs (or its limit), its memory plus QEMU's overhead as hard and soft limit.
 * `burstable`: default shares and only the limits it names (a soft limit at its memory
 * limit, the hard limit above it by QEMU's overhead). Pure.
 * @example
 * libvirtTunes({ name: 'web', memoryMiB: 512, cpus: 2, qos: 'guaranteed' })
 * // cputune { shares: 10240, globalPeriod: 100000, globalQuota: 200000 }, memtune hard = soft = 786432 KiB
 */
export function libvirtTunes(v: QosInput, host: TuneHost = {}): LibvirtTunes {
  const limitCpus = v.limits?.cpus;
  const limitMem = v.limits?.memoryMiB;
  const throttled = v.limits?.iops !== undefined || v.limits?.bytesPerSecond !== undefined;
  const devices: ThrottledDevice[] = throttled
    ? [...new Set(host.devices ?? [])].map((path) => ({ path, ...(v.limits?.iops !== undefined ? { iops: v.limits.iops } : {}), ...(v.limits?.bytesPerSecond !== undefined ? { bytesPerSecond: v.limits.bytesPerSecond } : {}) }))
    : [];
  const weight = host.blkioWeight === true ? { weight: BLKIO_WEIGHT[v.qos] } : {};
  const memory = (hardMiB: number | undefined, softMiB: number | undefined): Pick<LibvirtTunes, 'memtune' | 'omitted'> => {
    const soft: KiBLimit = softMiB === undefined ? 'unlimited' : kib(softMiB);
    if (hardMiB === undefined) return { memtune: { hardLimitKiB: 'unlimited', softLimitKiB: soft } };
    if (host.hardLimit === false) return { memtune: { hardLimitKiB: 'unlimited', softLimitKiB: soft }, omitted: `hard_limit ${kib(hardMiB)} KiB left out: libvirtd cannot raise QEMU's locked-memory limit to it here (no CAP_SYS_RESOURCE), and the domain would not start` };
    return { memtune: { hardLimitKiB: kib(hardMiB), softLimitKiB: soft } };
  };
  switch (v.qos) {
    case 'guaranteed': {
      const hard = limitMem ?? v.memoryMiB + QEMU_OVERHEAD_MIB;
      return {
        cputune: { shares: SHARES.guaranteed, globalPeriod: PERIOD_US, globalQuota: quota(limitCpus ?? v.cpus) },
        ...memory(hard, Math.min(hard, v.memoryMiB + QEMU_OVERHEAD_MIB)),
        blkiotune: { ...weight, devices },
      };
    }
    case 'burstable':
      return {
        cputune: { shares: SHARES.burstable, ...(limitCpus !== undefined ? { globalPeriod: PERIOD_US, globalQuota: quota(limitCpus) } : {}) },
        ...memory(limitMem === undefined ? undefined : limitMem + QEMU_OVERHEAD_MIB, limitMem),
        blkiotune: { ...weight, devices },
      };
    default:
      return assertNever(v.qos);
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');

/** The <cputune>, <memtune> and <blkiotune> elements of a domain XML (children of <domain>, after <vcpu>). Pure. */
export function libvirtTuneXml(t: LibvirtTunes): string {
  const cpu = [`<shares>${t.cputune.shares}</shares>`];
  if (t.cputune.globalQuota !== undefined) cpu.push(`<global_period>${t.cputune.globalPeriod ?? PERIOD_US}</global_period>`, `<global_quota>${t.cputune.globalQuota}</global_quota>`);
  const mem = [
    ...(t.memtune.hardLimitKiB === 'unlimited' ? [] : [`<hard_limit unit='KiB'>${t.memtune.hardLimitKiB}</hard_limit>`]),
    ...(t.memtune.softLimitKiB === 'unlimited' ? [] : [`<soft_limit unit='KiB'>${t.memtune.softLimitKiB}</soft_limit>`]),
  ];
  const blk = [
    ...(t.blkiotune.weight !== undefined ? [`<weight>${t.blkiotune.weight}</weight>`] : []),
    ...t.blkiotune.devices.map((d) => {
      const iops = d.iops === undefined ? '' : `<read_iops_sec>${d.iops}</read_iops_sec><write_iops_sec>${d.iops}</write_iops_sec>`;
      const bps = d.bytesPerSecond === undefined ? '' : `<read_bytes_sec>${d.bytesPerSecond}</read_bytes_sec><write_bytes_sec>${d.bytesPerSecond}</write_bytes_sec>`;
      return `<device><path>${esc(d.path)}</path>${iops}${bps}</device>`;
    }),
  ];
  return [
    `<cputune>${cpu.join('')}</cputune>`,
    ...(mem.length > 0 ? [`<memtune>${mem.join('')}</memtune>`] : []),
    ...(blk.length > 0 ? [`<blkiotune>${blk.join('')}</blkiotune>`] : []),
  ].join('\n');
}

/**
 * The virsh calls that give an existing domain these tunes in its persistent configuration
 * (`--config`: the next start applies them; a running domain is not touched). Unlimited
 * memory is written as -1, so a domain that moves from guaranteed to burstable loses its
 * old limits; no global quota is -1 (none) for the same reason. Pure.
 */
export function libvirtTuneCalls(domain: string, t: LibvirtTunes): string[][] {
  const lim = (x: KiBLimit) => (x === 'unlimited' ? '-1' : String(x));
  const calls: string[][] = [
    ['schedinfo', domain, '--config', '--set', `cpu_shares=${t.cputune.shares}`, '--set', `global_period=${t.cputune.globalPeriod ?? PERIOD_US}`, '--set', `global_quota=${t.cputune.globalQuota ?? -1}`],
    // Both limits in one call: libvirt checks the soft limit against the hard limit that results.
    ['memtune', domain, '--config', '--hard-limit', lim(t.memtune.hardLimitKiB), '--soft-limit', lim(t.memtune.softLimitKiB)],
  ];
  const blk: string[] = [];
  if (t.blkiotune.weight !== undefined) blk.push('--weight', String(t.blkiotune.weight));
  const devs = (pick: (d: ThrottledDevice) => number | undefined) => t.blkiotune.devices.filter((d) => pick(d) !== undefined).map((d) => `${d.path},${pick(d)}`).join(',');
  for (const [flag, pick] of [
    ['--device-read-iops-sec', (d: ThrottledDevice) => d.iops],
    ['--device-write-iops-sec', (d: ThrottledDevice) => d.iops],
    ['--device-read-bytes-sec', (d: ThrottledDevice) => d.bytesPerSecond],
    ['--device-write-bytes-sec', (d: ThrottledDevice) => d.bytesPerSecond],
  ] as const) {
    const v = devs(pick);
    if (v !== '') blk.push(flag, v);
  }
  if (blk.length > 0) calls.push(['blkiotune', domain, '--config', ...blk]);
  return calls;
}
