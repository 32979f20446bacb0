// The domains of a libvirt URI as bootmedic sees them: watchable (a serial log to tail) or
// not (with the exact XML that makes them so), and opted in to healing or not.
import { parseDomstate } from './domain-process.ts';
import { serialLogFix, type DomainXml } from './domain-xml.ts';
import { domainXml, logSize } from './libvirt-hypervisor.ts';
import { optInOf, type OptIn } from './metadata.ts';
import { virsh } from './virsh.ts';

/** One domain of a URI. */
export type DomainEntry = Readonly<{
  name: string;
  uuid: string;
  /** libvirt's state word: running, shut off, paused, crashed, ... */
  state: string;
  stateReason: string;
  serialLog?: string;
  /** The serial log's size when the domain was described (where its next run's console starts, when it was stopped then). */
  serialLogSize?: number;
  /** Healing (actions) allowed: by its metadata or bootmedic's config. */
  optIn: boolean;
  optInBy: OptIn['by'];
  /** True when it has a serial log bootmedic can tail. */
  watchable: boolean;
  /** The XML to add when it is not watchable. */
  fixXml?: string;
  xml: DomainXml;
}>;

/** One domain's entry (dumpxml + domstate). */
export async function describeDomain(uri: string, name: string, o: { healList?: readonly string[]; signal?: AbortSignal } = {}): Promise<DomainEntry> {
  const xml = await domainXml(uri, name, o.signal);
  const st = parseDomstate((await virsh(uri, ['domstate', '--reason', name], o.signal !== undefined ? { signal: o.signal } : {})).stdout);
  const opt = optInOf(xml, o.healList);
  return Object.freeze({
    name: xml.name,
    uuid: xml.uuid,
    state: st.state,
    stateReason: st.reason,
    ...(xml.serialLog !== undefined ? { serialLog: xml.serialLog, serialLogSize: logSize(xml.serialLog) } : {}),
    optIn: opt.heal,
    optInBy: opt.by,
    watchable: xml.serialLog !== undefined,
    ...(xml.serialLog === undefined ? { fixXml: serialLogFix(xml) } : {}),
    xml,
  });
}

/**
 * Every domain of `uri` (defined or running), in virsh's order. LIBVIRT_URI_UNREACHABLE
 * when libvirtd does not answer; a domain undefined between the list and its dumpxml is left out.
 * @example
 * for (const d of await listDomains('qemu:///system')) console.log(d.name, d.watchable ? 'watched' : d.fixXml);
 */
export async function listDomains(uri: string, o: { healList?: readonly string[]; signal?: AbortSignal } = {}): Promise<DomainEntry[]> {
  const names = (await virsh(uri, ['list', '--all', '--name'], o.signal !== undefined ? { signal: o.signal } : {})).stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const out: DomainEntry[] = [];
  for (const n of names) {
    try {
      out.push(await describeDomain(uri, n, o));
    } catch (e) {
      if ((e as { code?: string }).code === 'LIBVIRT_DOMAIN_NOT_FOUND') continue;
      throw e;
    }
  }
  return out;
}
