// A libvirt domain's XML (`virsh dumpxml`) as the values bootmedic needs: identity, size,
// what it boots, its serial log, and bootmedic's own metadata element. Pure.
import { XMLParser } from 'fast-xml-parser';
import { libvirtErrors } from './errors.ts';
import { parseBootmedicMetadata, type BootmedicMetadata } from './metadata.ts';

/** What bootmedic reads from a domain's XML. */
export type DomainXml = Readonly<{
  name: string;
  uuid: string;
  /** `qemu` (TCG) or `kvm`. */
  type: string;
  memoryMiB: number;
  vcpus: number;
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  disks: readonly { path: string; format: string; target?: string }[];
  /** `uefi` for OVMF (`<os firmware='efi'>`, a pflash `<loader>`, an `<nvram>`), else `bios` (SeaBIOS). */
  firmware: 'bios' | 'uefi';
  /** UEFI Secure Boot: the loader's `secure='yes'` or the `secure-boot` firmware feature enabled. */
  secureBoot: boolean;
  /** The machine family of `<os><type machine=…>`: `q35` (pc-q35-*, q35) or `pc` (pc-i440fx-*, pc); absent for any other. */
  machine?: 'q35' | 'pc';
  /** The first serial device's log file (virtlogd), when it has one. */
  serialLog?: string;
  /** append='on': each start appends to the log; otherwise virtlogd truncates it at each start. */
  serialLogAppend: boolean;
  /** True when there is a serial device at all (the fix is then one <log/> element inside it). */
  hasSerial: boolean;
  hasPanicDevice: boolean;
  onCrash?: string;
  metadata: BootmedicMetadata;
}>;

const ARRAYS = new Set(['domain.devices.serial', 'domain.devices.disk', 'domain.devices.panic', 'domain.devices.console']);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (_name, jpath) => ARRAYS.has(String(jpath)),
});

type Node = Record<string, unknown>;
const obj = (v: unknown): Node | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined);
const list = (v: unknown): Node[] => (Array.isArray(v) ? v.map(obj).filter((x): x is Node => x !== undefined) : []);
/** The text of an element that may carry attributes (`<memory unit='KiB'>262144</memory>`). */
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof obj(v)?.['#text'] === 'string' ? (obj(v)!['#text'] as string) : undefined);
const attr = (v: unknown, name: string): string | undefined => {
  const a = obj(v)?.[`@${name}`];
  return typeof a === 'string' ? a : undefined;
};

/** The machine family a machine type names (`pc-q35-7.2`, `q35` → q35; `pc-i440fx-7.2`, `pc` → pc), or undefined. */
export function machineFamily(type: string | undefined): 'q35' | 'pc' | undefined {
  if (type === undefined) return undefined;
  if (/^(pc-)?q35(-|$)/.test(type)) return 'q35';
  if (/^pc(-i440fx(-|$)|$)/.test(type)) return 'pc';
  return undefined;
}

/** An element that may occur once or several times (fast-xml-parser gives an object or an array). */
const some = (v: unknown): Node[] => (Array.isArray(v) ? list(v) : obj(v) !== undefined ? [obj(v)!] : []);

// Edk2's builds as distributions name them (OVMF, AAVMF, QEMU_EFI); a ROM loader of one of
// them (`-bios OVMF.fd`) boots UEFI too.
const EFI_IMAGE = /ovmf|aavmf|edk2|qemu_efi/i;

/**
 * The firmware of `<os>` (libvirt formatdomain "BIOS bootloader"): firmware='efi' asks
 * libvirt to pick OVMF (the inactive XML keeps only that, and the features asked for); a
 * pflash loader, an NVRAM store, or an edk2 image as the loader is UEFI whatever the
 * attribute. Secure Boot: the loader's secure='yes' (the form libvirt fills in) or the
 * secure-boot feature enabled.
 */
function firmwareOf(os: Node | undefined): { firmware: 'bios' | 'uefi'; secureBoot: boolean } {
  const loader = os?.['loader'];
  const path = text(loader) ?? '';
  const feature = (name: string) => some(obj(os?.['firmware'])?.['feature']).find((f) => attr(f, 'name') === name);
  const uefi = attr(os, 'firmware') === 'efi' || attr(loader, 'type') === 'pflash' || os?.['nvram'] !== undefined || EFI_IMAGE.test(path);
  const secureBoot = uefi && (attr(loader, 'secure') === 'yes' || attr(feature('secure-boot'), 'enabled') === 'yes');
  return { firmware: uefi ? 'uefi' : 'bios', secureBoot };
}

const UNITS: Readonly<Record<string, number>> = { b: 1, bytes: 1, kb: 1000, k: 1024, kib: 1024, mb: 1e6, m: 1 << 20, mib: 1 << 20, gb: 1e9, g: 1 << 30, gib: 1 << 30, tb: 1e12, t: 2 ** 40, tib: 2 ** 40 };

/** A libvirt memory element in MiB (libvirt's default unit is KiB). */
function mib(v: unknown): number | undefined {
  const n = Number(text(v));
  const unit = UNITS[(attr(v, 'unit') ?? 'KiB').toLowerCase()];
  return Number.isFinite(n) && unit !== undefined ? Math.floor((n * unit) / (1 << 20)) : undefined;
}

/**
 * Parses `virsh dumpxml` output. Throws LIBVIRT_BAD_XML (naming `where`) when it is not a
 * domain document or bootmedic's metadata in it is malformed.
 * @example
 * const d = parseDomainXml(xml, 'domain web of qemu:///system');
 */
export function parseDomainXml(xml: string, where: string): DomainXml {
  let doc: Node | undefined;
  try {
    doc = obj(parser.parse(xml));
  } catch (e) {
    throw libvirtErrors.make('LIBVIRT_BAD_XML', `${where}: not XML (${(e as Error).message})`, { cause: e });
  }
  const dom = obj(doc?.['domain']);
  const name = text(dom?.['name']);
  if (dom === undefined || name === undefined || name === '') throw libvirtErrors.make('LIBVIRT_BAD_XML', `${where}: not a libvirt domain (no <domain> with a <name>)`);
  const os = obj(dom['os']);
  const devices = obj(dom['devices']) ?? {};
  const serials = list(devices['serial']);
  const logEl = serials.map((s) => s['log']).find((l) => (attr(l, 'file') ?? '') !== '');
  const log = attr(logEl, 'file');
  const disks = list(devices['disk'])
    .filter((d) => (attr(d, 'device') ?? 'disk') === 'disk')
    .flatMap((d) => {
      const src = obj(d['source']);
      const path = attr(src, 'file') ?? attr(src, 'dev');
      if (path === undefined) return [];
      const target = attr(d['target'], 'dev');
      return [{ path, format: attr(d['driver'], 'type') ?? 'raw', ...(target !== undefined ? { target } : {}) }];
    });
  const kernel = text(os?.['kernel']);
  const initrd = text(os?.['initrd']);
  const cmdline = text(os?.['cmdline']);
  const onCrash = text(dom['on_crash']);
  const machine = machineFamily(attr(os?.['type'], 'machine'));
  return Object.freeze({
    name,
    uuid: text(dom['uuid']) ?? '',
    type: attr(dom, 'type') ?? 'qemu',
    memoryMiB: mib(dom['currentMemory']) ?? mib(dom['memory']) ?? 0,
    vcpus: Number(text(dom['vcpu']) ?? '1') || 1,
    ...(kernel !== undefined && kernel !== '' ? { kernel } : {}),
    ...(initrd !== undefined && initrd !== '' ? { initrd } : {}),
    ...(cmdline !== undefined ? { cmdline } : {}),
    disks,
    ...firmwareOf(os),
    ...(machine !== undefined ? { machine } : {}),
    ...(log !== undefined ? { serialLog: log } : {}),
    serialLogAppend: attr(logEl, 'append') === 'on',
    hasSerial: serials.length > 0,
    hasPanicDevice: list(devices['panic']).length > 0,
    ...(onCrash !== undefined ? { onCrash } : {}),
    metadata: parseBootmedicMetadata(dom['metadata'], where),
  });
}

const xmlAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');

/** Where bootmedic suggests a domain's serial log: libvirt's own log folder. */
export const suggestedLogPath = (domain: string) => `/var/log/libvirt/qemu/${domain.replace(/[/\0]/g, '_')}-serial.log`;

/**
 * The exact XML that makes a domain watchable: a serial console logged by virtlogd. A domain
 * that has a serial device already gets one <log/> element inside it.
 */
export function serialLogFix(d: Pick<DomainXml, 'name' | 'hasSerial'>): string {
  const log = `<log file='${xmlAttr(suggestedLogPath(d.name))}' append='on'/>`;
  return d.hasSerial ? log : `<serial type='pty'>${log}<target port='0'/></serial>`;
}
