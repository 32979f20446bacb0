import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { libvirtErrors } from '../errors.ts';

// Pure edits of a libvirt domain's persistent XML (`virsh dumpxml --inactive`), for the
// configuration changes healing makes: vCPUs, the directly booted kernel, initrd and command
// line, and the accelerator (the domain's type). Memory goes through `virsh setmaxmem/setmem
// --config` instead (the way libvirt documents it), but the edit exists for a define.
// The tree is parsed with preserveOrder so everything this file does not touch (devices,
// metadata, comments, attribute order) is written back as it was.

type Node = Record<string, unknown>;
const OPTS = { preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false, trimValues: false, commentPropName: '#comment' } as const;
const ATTRS = ':@';

const tagOf = (n: Node): string | undefined => Object.keys(n).find((k) => k !== ATTRS);
const kids = (n: Node): Node[] => (n[tagOf(n)!] as Node[] | undefined) ?? [];
const find = (nodes: readonly Node[], tag: string): Node | undefined => nodes.find((n) => tagOf(n) === tag);
const findAll = (nodes: readonly Node[], tag: string): Node[] => nodes.filter((n) => tagOf(n) === tag);
const attrOf = (n: Node | undefined, name: string): string | undefined => (n?.[ATTRS] as Record<string, string> | undefined)?.[name];
const textOf = (n: Node | undefined): string | undefined => (n === undefined ? undefined : kids(n).map((c) => (typeof c['#text'] === 'string' ? c['#text'] : '')).join('').trim() || undefined);

/** A disk of a domain as healing sees it. */
export type DomainDisk = Readonly<{
  /** The target device (vda, sda). */
  target: string;
  /** `file`, `block`, `network`, `volume`... (libvirt's `<disk type=…>`). */
  sourceType: string;
  /** The file or device path; undefined for a network disk. */
  path: string | undefined;
  /** The driver's format (`qcow2`, `raw`, `vmdk`...); `raw` when the XML names none, as libvirt assumes. */
  format: string;
}>;

/** What healing reads from a domain's XML. */
export type DomainFacts = Readonly<{
  name: string;
  /** `qemu` (TCG) or `kvm`. */
  type: string;
  memoryMiB: number;
  vcpus: number;
  kernel: string | undefined;
  initrd: string | undefined;
  cmdline: string | undefined;
  disks: readonly DomainDisk[];
}>;

function parse(xml: string): Node[] {
  const tree = new XMLParser(OPTS).parse(xml) as Node[];
  if (find(tree, 'domain') === undefined) throw libvirtErrors.make('LIBVIRT_BAD_XML', 'not a libvirt domain XML: no <domain> element');
  return tree;
}

const domainOf = (tree: Node[]) => find(tree, 'domain')!;

const KIB_PER: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024, k: 1, kib: 1, kb: 1000 / 1024, m: 1024, mib: 1024, mb: 1e6 / 1024, g: 1 << 20, gib: 1 << 20, gb: 1e9 / 1024 };

/** The KiB of a libvirt `<memory unit=…>` element (unit default KiB). */
function kibOf(n: Node | undefined): number | undefined {
  const v = textOf(n);
  if (v === undefined) return undefined;
  const per = KIB_PER[(attrOf(n, 'unit') ?? 'KiB').toLowerCase()];
  return per === undefined ? undefined : Number(v) * per;
}

/** Reads the facts healing needs from a domain XML. Throws on text that is not a domain. */
export function domainFacts(xml: string): DomainFacts {
  const dom = kids(domainOf(parse(xml)));
  const os = kids(find(dom, 'os') ?? { os: [] });
  const devices = kids(find(dom, 'devices') ?? { devices: [] });
  const disks = findAll(devices, 'disk')
    .filter((d) => (attrOf(d, 'device') ?? 'disk') === 'disk')
    .map((d): DomainDisk => {
      const c = kids(d);
      const src = find(c, 'source');
      return {
        target: attrOf(find(c, 'target'), 'dev') ?? '?',
        sourceType: attrOf(d, 'type') ?? 'file',
        path: attrOf(src, 'file') ?? attrOf(src, 'dev'),
        format: attrOf(find(c, 'driver'), 'type') ?? 'raw',
      };
    });
  return {
    name: textOf(find(dom, 'name')) ?? '',
    type: attrOf(domainOf(parse(xml)), 'type') ?? 'qemu',
    memoryMiB: Math.round((kibOf(find(dom, 'memory')) ?? 0) / 1024),
    vcpus: Number(textOf(find(dom, 'vcpu')) ?? 1),
    kernel: textOf(find(os, 'kernel')),
    initrd: textOf(find(os, 'initrd')),
    cmdline: textOf(find(os, 'cmdline')),
    disks,
  };
}

/** A change to a domain's persistent XML; `null` removes the element. */
export type DomainEdit = Readonly<{
  memoryMiB?: number;
  vcpus?: number;
  kernel?: string | null;
  initrd?: string | null;
  cmdline?: string | null;
  /** The domain type: `kvm` (hardware) or `qemu` (TCG). */
  type?: 'kvm' | 'qemu';
}>;

const element = (tag: string, text: string, attrs?: Record<string, string>): Node => ({ [tag]: [{ '#text': text }], ...(attrs ? { [ATTRS]: attrs } : {}) });

/** Sets (or with null removes) the text element `tag` among `nodes`, added after `after` when new. */
function setChild(nodes: Node[], tag: string, value: string | null, after: readonly string[], attrs?: Record<string, string>): void {
  const i = nodes.findIndex((n) => tagOf(n) === tag);
  if (value === null) {
    if (i >= 0) nodes.splice(i, 1);
    return;
  }
  if (i >= 0) {
    nodes[i] = element(tag, value, attrs ?? (nodes[i]![ATTRS] as Record<string, string> | undefined));
    return;
  }
  let at = -1;
  for (const a of after) at = Math.max(at, nodes.findIndex((n) => tagOf(n) === a));
  nodes.splice(at + 1, 0, element(tag, value, attrs));
}

/** Applies `edit` to a domain XML and returns the new XML (for `virsh define`). Pure. */
export function editDomainXml(xml: string, edit: DomainEdit): string {
  const tree = parse(xml);
  const domNode = domainOf(tree);
  const dom = kids(domNode);
  if (edit.type !== undefined) domNode[ATTRS] = { ...((domNode[ATTRS] as Record<string, string> | undefined) ?? {}), type: edit.type };
  if (edit.memoryMiB !== undefined) {
    const kib = String(Math.round(edit.memoryMiB * 1024));
    setChild(dom, 'memory', kib, ['name', 'uuid', 'title', 'description', 'metadata'], { unit: 'KiB' });
    setChild(dom, 'currentMemory', kib, ['memory'], { unit: 'KiB' });
  }
  if (edit.vcpus !== undefined) {
    const v = find(dom, 'vcpu');
    // A domain whose current vCPUs are fewer than its maximum keeps that split's attribute off: one count for both.
    setChild(dom, 'vcpu', String(edit.vcpus), ['currentMemory', 'memory'], v === undefined ? { placement: 'static' } : Object.fromEntries(Object.entries((v[ATTRS] as Record<string, string> | undefined) ?? {}).filter(([k]) => k !== 'current')));
  }
  if (edit.kernel !== undefined || edit.initrd !== undefined || edit.cmdline !== undefined) {
    const os = find(dom, 'os');
    if (os === undefined) throw libvirtErrors.make('LIBVIRT_BAD_XML', 'the domain XML has no <os> element');
    const o = kids(os);
    if (edit.kernel !== undefined) setChild(o, 'kernel', edit.kernel, ['type', 'loader', 'nvram']);
    if (edit.initrd !== undefined) setChild(o, 'initrd', edit.initrd, ['kernel', 'type', 'loader', 'nvram']);
    if (edit.cmdline !== undefined) setChild(o, 'cmdline', edit.cmdline, ['initrd', 'kernel', 'type', 'loader', 'nvram']);
  }
  return new XMLBuilder({ ...OPTS, suppressEmptyNode: true }).build(tree) as string;
}
