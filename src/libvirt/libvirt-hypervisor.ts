// libvirt behind the Hypervisor interface. `launch` does not spawn QEMU: in 'watch' control
// it attaches to the domain's current run (the watcher calls it when a boot starts); in
// 'own' control it starts the domain itself, which only an opted-in domain allows, and
// stop() then destroys it. The serial log's offset where a run starts comes from the
// caller (the size of the log when the domain was last seen stopped), else the log's size
// before `virsh start`, so no byte of a boot is missed however late its Started event is.
import { statSync } from 'node:fs';
import type { VmSpec } from '../config/index.ts';
import type { AccelVerdict, Hypervisor, LaunchOptions, VmProcess } from '../hypervisor/index.ts';
import { attachDomain } from './domain-process.ts';
import { parseDomainXml, serialLogFix, type DomainXml } from './domain-xml.ts';
import { libvirtErrors } from './errors.ts';
import { createEventHub, type EventHub } from './event-hub.ts';
import { optInOf } from './metadata.ts';
import { virsh } from './virsh.ts';

export type LibvirtHypervisorOptions = Readonly<{
  uri: string;
  /** 'watch': attach to runs others start, never act (stop() detaches). 'own': launch starts an opted-in domain and stop() destroys it. */
  control: 'watch' | 'own';
  /** The URI's event streams, when the caller runs them already (the watcher); else the hypervisor starts its own. */
  hub?: EventHub;
  /** Where a run's console starts in the serial log ('watch'); default the log's size now. */
  consoleFrom?: (domain: string) => number | undefined;
  /** Domains bootmedic's config opts in to healing. */
  healList?: readonly string[];
  /** 'own' control: what stop() does to a domain it started (default destroy; watch --heal detaches, so a healed domain keeps running). */
  ownedStop?: 'destroy' | 'detach';
}>;

export type LibvirtHypervisor = Hypervisor & { readonly uri: string; close: () => Promise<void> };

/** Size of a log file, 0 when virtlogd has not created it yet (a stat never blocks, even on a FIFO). */
export function logSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The domain's XML, parsed. */
export async function domainXml(uri: string, domain: string, signal?: AbortSignal): Promise<DomainXml> {
  const r = await virsh(uri, ['dumpxml', domain], signal !== undefined ? { signal } : {});
  return parseDomainXml(r.stdout, `domain ${domain} of ${uri}`);
}

/** LIBVIRT_NO_SERIAL_LOG for a domain without a serial log, with the XML to add. */
export function noSerialLog(uri: string, d: DomainXml) {
  return libvirtErrors.make('LIBVIRT_NO_SERIAL_LOG', `domain ${d.name} of ${uri} has no serial log, so its boots cannot be watched; add to its <devices> ('virsh edit ${d.name}'): ${serialLogFix(d)}`, {
    details: { domain: d.name, uri, fixXml: serialLogFix(d) },
  });
}

/**
 * The libvirt backend.
 * @example
 * const hv = createLibvirtHypervisor({ uri: 'qemu:///system', control: 'own' });
 * const [outcome] = await superviseVm(spec, { hypervisor: hv, home }, { mode: 'once' });
 * await hv.close();
 */
export function createLibvirtHypervisor(o: LibvirtHypervisorOptions): LibvirtHypervisor {
  let ownHub: EventHub | undefined;
  const hub = async () => {
    if (o.hub !== undefined) return o.hub;
    if (ownHub === undefined) {
      ownHub = createEventHub(o.uri);
      await ownHub.ready;
    }
    return ownHub;
  };
  return {
    uri: o.uri,
    // The supervisor records the reason; the run's own accel (VmProcess.accel) comes from the domain type.
    probeAccel: async (): Promise<AccelVerdict> => ({ accel: 'tcg', reason: "libvirt's choice: the domain type in its XML (qemu: TCG, kvm: KVM)" }),
    async launch(spec: VmSpec, lo: LaunchOptions): Promise<VmProcess> {
      const domain = spec.libvirt?.domain;
      if (domain === undefined || spec.libvirt?.uri !== o.uri) throw libvirtErrors.make('LIBVIRT_DOMAIN_NOT_FOUND', `VM ${spec.name} is not a domain of ${o.uri}`);
      const d = await domainXml(o.uri, domain, lo.signal);
      if (d.serialLog === undefined) throw noSerialLog(o.uri, d);
      const h = await hub();
      const accel = d.type === 'kvm' ? 'kvm' : 'tcg';
      if (o.control === 'own') {
        if (!optInOf(d, o.healList).heal) throw libvirtErrors.make('LIBVIRT_NOT_OPTED_IN', `domain ${domain} of ${o.uri} is not opted in to healing; bootmedic will not start or stop it`);
        // Without append='on' virtlogd truncates the log at the start: the boot is all of it.
        const from = d.serialLogAppend ? logSize(d.serialLog) : 0;
        await virsh(o.uri, ['start', domain], lo.signal !== undefined ? { signal: lo.signal } : {});
        const domid = (await virsh(o.uri, ['domid', domain])).stdout.trim();
        return attachDomain({ uri: o.uri, domain, accel, runDir: lo.runDir, hub: h, serialLog: d.serialLog, from, domid, onStop: o.ownedStop ?? 'destroy' });
      }
      const from = o.consoleFrom?.(domain) ?? logSize(d.serialLog);
      const domid = (await virsh(o.uri, ['domid', domain])).stdout.trim();
      return attachDomain({ uri: o.uri, domain, accel, runDir: lo.runDir, hub: h, serialLog: d.serialLog, from, domid, onStop: 'detach' });
    },
    close: async () => {
      await ownHub?.close();
    },
  };
}
