import type { AppConfig, VmSpec } from '../../config/index.ts';
import { openIncidentOf, type HealEvent, type IncidentStore } from '../../heal/index.ts';
import { createQemuHealTarget, healBoot, type HealBootResult, type QemuHealTarget } from '../../recovery/index.ts';
import { isNoVerdict, type BootOutcome, type SupervisorDeps } from '../../supervisor/index.ts';
import { domainSpec, vmNameOf } from '../domain-spec.ts';
import { libvirtErrors } from '../errors.ts';
import { createLibvirtHypervisor, domainXml, type LibvirtHypervisor } from '../libvirt-hypervisor.ts';
import { optInOf } from '../metadata.ts';
import { createLibvirtBackend } from './backend.ts';

// The heal path of a libvirt domain: the shared heal target (context, remedy handlers,
// incidents, forensics, hand-over) over the libvirt backend, booting through the libvirt
// hypervisor in 'own' control. It is built only for a domain its owner opted in (metadata
// or bootmedic's list); for any other domain it throws LIBVIRT_NOT_OPTED_IN before anything
// is created, so a watched-only domain gets findings and incidents from the watch, never actions.

export type DomainHealOptions = Readonly<{
  uri: string;
  domain: string;
  app: AppConfig;
  deps: Omit<SupervisorDeps, 'hypervisor'>;
  /** Domains bootmedic's config opts in. */
  healList?: readonly string[];
  /** The most memory healing may give the domain (default 2048 MiB). */
  maxMemoryMiB?: number;
  /** Pick up the configuration an earlier (killed) healer left (healing.json). */
  resume?: boolean;
  /** After a boot's verdict: destroy the domain (default: drills, tests) or leave it running (watch --heal). */
  afterVerdict?: 'destroy' | 'detach';
  onEvent?: Parameters<typeof createQemuHealTarget>[0]['onEvent'];
}>;

/** A heal target of one opted-in domain, with what to close after. */
export type DomainHealTarget = Readonly<{ target: QemuHealTarget; spec: VmSpec; hypervisor: LibvirtHypervisor; close: () => Promise<void> }>;

/** Opens the heal target of an opted-in domain; LIBVIRT_NOT_OPTED_IN for any other. */
export async function openDomainHealTarget(o: DomainHealOptions): Promise<DomainHealTarget> {
  const d = await domainXml(o.uri, o.domain);
  const optIn = optInOf(d, o.healList);
  if (!optIn.heal) throw libvirtErrors.make('LIBVIRT_NOT_OPTED_IN', `domain ${o.domain} of ${o.uri} is not opted in to healing; bootmedic reports its boots but will not act on it`);
  const spec = domainSpec(d, o.uri);
  const hypervisor = createLibvirtHypervisor({ uri: o.uri, control: 'own', ownedStop: o.afterVerdict ?? 'destroy', ...(o.healList ? { healList: o.healList } : {}) });
  const deps: SupervisorDeps = { ...o.deps, hypervisor };
  const backend = createLibvirtBackend({ uri: o.uri, domain: o.domain, deps, ...(o.healList ? { healList: o.healList } : {}) });
  const target = createQemuHealTarget({
    spec, app: o.app, deps, backend,
    ...(o.maxMemoryMiB !== undefined ? { maxMemoryMiB: o.maxMemoryMiB } : {}),
    ...(o.resume === true ? { resume: true } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
  });
  return {
    target, spec, hypervisor,
    close: async () => {
      target.close();
      await hypervisor.close();
    },
  };
}

/**
 * Heals an opted-in domain after a failed or stalled boot (or resumes its open incident when
 * `outcome` is absent): diagnosis, remedies through libvirt, and a verification boot to ready.
 */
export async function healDomain(o: DomainHealOptions & { outcome?: BootOutcome; incidents: IncidentStore; signal?: AbortSignal; onHealEvent?: (e: HealEvent) => void }): Promise<HealBootResult> {
  const h = await openDomainHealTarget(o);
  try {
    return await healBoot({
      target: h.target, deps: { ...o.deps, hypervisor: h.hypervisor }, incidents: o.incidents,
      ...(o.outcome !== undefined ? { outcome: o.outcome } : {}),
      ...(o.signal !== undefined ? { signal: o.signal } : {}),
      ...(o.onHealEvent !== undefined ? { onEvent: o.onHealEvent } : {}),
    });
  } finally {
    await h.close();
  }
}

/** The --heal half of `watch --libvirt`, as watchLibvirt's `afterOutcome` and `resume` hooks. */
export type LibvirtHealer = Readonly<{
  /** Heals a failed or stalled run of an opted-in domain (the healed domain is left running); any other domain and any other run: nothing. */
  afterOutcome: (domain: string, outcome: BootOutcome, signal: AbortSignal) => Promise<void>;
  /**
   * When the watch starts following a domain: an incident an earlier bootmedic left open
   * (killed mid-heal) is resumed from its journal, its applied step verified by a boot, not
   * applied again. Resolves true when there was one to resume; a domain no longer opted in
   * keeps its incident open and is not touched.
   */
  resume: (domain: string, signal: AbortSignal) => Promise<boolean>;
}>;

/**
 * The --heal half of `watch --libvirt` (and of the service's libvirt URIs): heals the failed
 * or stalled runs of opted-in domains and resumes their open incidents; every other domain
 * keeps its findings and nothing more.
 */
export function libvirtHealer(o: Omit<DomainHealOptions, 'domain' | 'resume' | 'afterVerdict'> & { incidents: IncidentStore; onHealEvent?: (domain: string, e: HealEvent) => void }): LibvirtHealer {
  const { onHealEvent, ...rest } = o;
  const heal = (domain: string, signal: AbortSignal, how: { outcome: BootOutcome } | { resume: true }) =>
    healDomain({ ...rest, domain, signal, afterVerdict: 'detach', ...how, ...(onHealEvent ? { onHealEvent: (e: HealEvent) => onHealEvent(domain, e) } : {}) });
  const optedIn = async (domain: string, signal: AbortSignal) => optInOf(await domainXml(o.uri, domain, signal), o.healList).heal;
  return {
    async afterOutcome(domain, outcome, signal) {
      if (outcome.status === 'ready' || isNoVerdict(outcome.status)) return;
      if (!(await optedIn(domain, signal))) return;
      await heal(domain, signal, { outcome });
    },
    async resume(domain, signal) {
      if (openIncidentOf(o.incidents, vmNameOf(domain)) === undefined) return false;
      if (!(await optedIn(domain, signal))) return false;
      await heal(domain, signal, { resume: true });
      return true;
    },
  };
}
