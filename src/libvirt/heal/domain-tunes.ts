import { readFileSync } from 'node:fs';
import { blkioHasWeight, libvirtTuneCalls, libvirtTunes, wholeDiskPaths, type LibvirtTunes, type TuneHost } from '../../resources/index.ts';
import { parseDomainXml } from '../domain-xml.ts';
import { libvirtErrors } from '../errors.ts';
import { optInOf } from '../metadata.ts';
import { virsh } from '../virsh.ts';

// An operator's domain names its QoS class and limits in bootmedic's metadata
// (<bootmedic:qos class="guaranteed" .../>); bootmedic writes them into the domain's
// persistent <cputune>/<memtune>/<blkiotune> with `virsh schedinfo/memtune/blkiotune
// --config` (the next start applies them; a running domain is not touched), and only for a
// domain opted in to healing. A domain that is not opted in is refused before anything is
// changed, whatever its metadata asks.

/** True for a URI of this host's libvirtd (no host part), whose block devices bootmedic can see. */
export const isLocalUri = (uri: string): boolean => /^[a-z][a-z0-9]*(\+unix)?:\/\/\//.test(uri);

/** CAP_SYS_RESOURCE (capability 24) in the effective set of a /proc/<pid>/status text. */
export function hasSysResource(status: string): boolean {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return hex !== undefined && (BigInt(`0x${hex}`) & (1n << 24n)) !== 0n;
}

/** Whether the local libvirtd (its pid file, else this process, also root) may raise QEMU's locked-memory limit. */
function libvirtdMayRaiseMemlock(): boolean {
  const status = (pid: string) => readFileSync(`/proc/${pid}/status`, 'utf8');
  try {
    return hasSysResource(status(readFileSync('/run/libvirtd.pid', 'utf8').trim()));
  } catch {
    try {
      return hasSysResource(status('self'));
    } catch {
      return true;
    }
  }
}

/**
 * What the host offers a domain on `uri` with disks at `diskPaths`: the block devices under
 * them, whether blkio takes a weight, whether a memory hard limit can be honoured at start.
 * A remote URI's host is not this one: nothing is known, libvirt's defaults are assumed.
 */
export function tuneHostFor(uri: string, diskPaths: readonly string[]): TuneHost {
  if (!isLocalUri(uri)) return {};
  return { devices: wholeDiskPaths(diskPaths), blkioWeight: blkioHasWeight(), hardLimit: libvirtdMayRaiseMemlock() };
}

/** What applying a domain's tunes did. */
export type DomainTuneResult =
  | Readonly<{ type: 'none'; domain: string }>
  | Readonly<{ type: 'applied'; domain: string; tunes: LibvirtTunes; calls: readonly (readonly string[])[] }>;

/**
 * Writes the QoS class and limits an opted-in domain's metadata names into its persistent
 * configuration. `none` when its metadata names none; LIBVIRT_NOT_OPTED_IN (nothing
 * changed) when the domain is not opted in.
 * @example
 * await applyDomainTunes({ uri: 'qemu:///system', domain: 'web' }); // schedinfo, memtune (, blkiotune) --config
 */
export async function applyDomainTunes(o: Readonly<{ uri: string; domain: string; healList?: readonly string[]; signal?: AbortSignal }>): Promise<DomainTuneResult> {
  const run = (args: string[]) => virsh(o.uri, args, { timeoutMs: 60_000, ...(o.signal ? { signal: o.signal } : {}) });
  const d = parseDomainXml((await run(['dumpxml', '--inactive', o.domain])).stdout, `domain ${o.domain} of ${o.uri}`);
  const qos = d.metadata.qos;
  if (qos === undefined) return { type: 'none', domain: o.domain };
  if (!optInOf(d, o.healList).heal) throw libvirtErrors.make('LIBVIRT_NOT_OPTED_IN', `domain ${o.domain} is not opted in to healing; bootmedic will not change its resource tuning`);
  const tunes = libvirtTunes({ name: d.name, memoryMiB: d.memoryMiB, cpus: d.vcpus, qos: qos.class, limits: qos.limits }, tuneHostFor(o.uri, d.disks.map((x) => x.path)));
  const calls = libvirtTuneCalls(o.domain, tunes);
  for (const c of calls) await run(c);
  return { type: 'applied', domain: o.domain, tunes, calls };
}
