// A VmSpec for a libvirt domain, so the one boot pipeline (superviseVm) drives it like any
// VM: the name, memory, firmware and what it boots come from the domain's XML (for the record and for
// stall budgets shared by domains of one image), the ready signal and the stall and
// boot-loop settings from bootmedic's metadata, defaults otherwise.
import { createHash } from 'node:crypto';
import { VmSpecSchema, type VmSpec } from '../config/index.ts';
import type { DomainXml } from './domain-xml.ts';
import { libvirtErrors } from './errors.ts';

const VM_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * bootmedic's VM name for a domain: the domain's own name when it is a valid VM name,
 * else a lower-cased, cleaned form with a short hash of the real name (so two domains never share one).
 */
export function vmNameOf(domain: string): string {
  if (VM_NAME.test(domain)) return domain;
  const clean = domain.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 50);
  const hash = createHash('sha256').update(domain).digest('hex').slice(0, 8);
  return `${clean || 'domain'}-${hash}`;
}

/**
 * Builds the VmSpec of a domain. Ready defaults to a login prompt (a server's console);
 * stall and boot-loop settings default as in a VM file. LIBVIRT_BAD_XML when a value is out
 * of the VM file's ranges (e.g. less than 16 MiB of memory).
 */
export function domainSpec(d: DomainXml, uri: string): VmSpec {
  const formats = new Set(['qcow2', 'raw']);
  const input = {
    name: vmNameOf(d.name),
    libvirt: { uri, domain: d.name },
    memoryMiB: d.memoryMiB,
    cpus: Math.min(64, Math.max(1, d.vcpus)),
    // libvirt picks the accelerator (the domain type); the hypervisor's probe says so in the record.
    accel: 'auto',
    ...(d.kernel !== undefined ? { kernel: d.kernel } : {}),
    ...(d.initrd !== undefined ? { initrd: d.initrd } : {}),
    ...(d.cmdline !== undefined ? { cmdline: d.cmdline } : {}),
    // What the domain boots through, for the record (fingerprint, image key); libvirt runs the firmware itself.
    firmware: d.firmware,
    ...(d.secureBoot ? { secureBoot: true } : {}),
    ...(d.machine !== undefined ? { machine: d.machine } : {}),
    disks: d.disks.filter((x) => formats.has(x.format)).slice(0, 16).map((x) => ({ path: x.path, format: x.format })),
    ready: d.metadata.ready ?? { type: 'login' },
    stall: { defaultSeconds: 60, floorSeconds: 5, factor: 2, percentile: 95, ...d.metadata.stall },
    bootLoop: { resets: 3, windowSeconds: 120, ...d.metadata.bootLoop },
    // The class and limits its metadata names (written into the domain by the backend, for an opted-in domain).
    ...(d.metadata.qos !== undefined ? { qos: d.metadata.qos.class, limits: d.metadata.qos.limits } : {}),
  };
  const r = VmSpecSchema.safeParse(input);
  if (!r.success) {
    const why = r.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ');
    throw libvirtErrors.make('LIBVIRT_BAD_XML', `domain ${d.name} of ${uri} cannot be watched as a VM: ${why}`, { details: { domain: d.name, uri } });
  }
  return Object.freeze(r.data);
}
