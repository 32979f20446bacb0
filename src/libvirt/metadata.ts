// bootmedic's element in a domain's <metadata>, in the namespace https://bootmedic.dev/xmlns/1
// (any prefix). libvirt keeps ONE top-level metadata element per namespace (a second one is
// dropped at define), so there are two forms:
//   <bootmedic:heal xmlns:bootmedic="https://bootmedic.dev/xmlns/1">true</bootmedic:heal>
//   <bootmedic:domain xmlns:bootmedic="https://bootmedic.dev/xmlns/1">
//     <bootmedic:heal>true</bootmedic:heal>
//     <bootmedic:ready marker="bootmedic-ready"/>   (or login="true", or target="multi-user.target")
//     <bootmedic:stall default-seconds="60" floor-seconds="5"/>
//     <bootmedic:bootloop resets="3" window-seconds="120"/>
//     <bootmedic:qos class="guaranteed" cpus="0.5" memory-mib="512" iops="100" bytes-per-second="1048576"/>
//   </bootmedic:domain>
// The qos element names the domain's QoS class and limits (as a VM file's qos and limits);
// bootmedic writes them into the domain's <cputune>/<memtune>/<blkiotune> (--config) only
// when the domain is opted in to healing too.
// Pure: the parsed node in, values out; a malformed element is LIBVIRT_BAD_XML naming it.
import type { ReadySignal } from '../config/index.ts';
import { libvirtErrors } from './errors.ts';

/** bootmedic's XML namespace in libvirt domain metadata. */
export const BOOTMEDIC_NS = 'https://bootmedic.dev/xmlns/1';

/** What a domain's owner told bootmedic in its metadata. */
export type BootmedicMetadata = Readonly<{
  /** True when the owner opted the domain in to healing (actions); watching needs no opt-in. */
  heal: boolean;
  ready?: ReadySignal;
  stall?: Readonly<{ defaultSeconds?: number; floorSeconds?: number }>;
  bootLoop?: Readonly<{ resets?: number; windowSeconds?: number }>;
  /** The QoS class and limits the owner asks for (applied only to an opted-in domain). */
  qos?: DomainQos;
}>;

/** A domain's QoS class and limits, in a VM file's terms. */
export type DomainQos = Readonly<{ class: 'guaranteed' | 'burstable'; limits: Readonly<{ cpus?: number; memoryMiB?: number; iops?: number; bytesPerSecond?: number }> }>;

type Node = Record<string, unknown>;
const obj = (v: unknown): Node | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined);
const local = (key: string) => key.slice(key.indexOf(':') + 1);
const prefixOf = (key: string) => (key.includes(':') ? key.slice(0, key.indexOf(':')) : '');
const textOf = (v: unknown) => (typeof v === 'string' ? v : typeof obj(v)?.['#text'] === 'string' ? (obj(v)!['#text'] as string) : '').trim();
const attrOf = (v: unknown, name: string): string | undefined => {
  const a = obj(v)?.[`@${name}`];
  return typeof a === 'string' ? a : undefined;
};

/** The first top-level metadata element in bootmedic's namespace, with its local name. */
function ourElement(metadata: unknown): { name: string; node: unknown; prefix: string } | undefined {
  const m = obj(metadata);
  if (m === undefined) return undefined;
  for (const [key, value] of Object.entries(m)) {
    if (key.startsWith('@') || key === '#text') continue;
    const first = Array.isArray(value) ? value[0] : value;
    const prefix = prefixOf(key);
    const ns = attrOf(first, prefix === '' ? 'xmlns' : `xmlns:${prefix}`);
    if (ns === BOOTMEDIC_NS) return { name: local(key), node: first, prefix };
  }
  return undefined;
}

/**
 * Reads bootmedic's metadata element from a parsed <metadata> node (fast-xml-parser with
 * attributes as `@name`). No element: not opted in, defaults for the rest.
 */
export function parseBootmedicMetadata(metadata: unknown, where: string): BootmedicMetadata {
  const el = ourElement(metadata);
  if (el === undefined) return Object.freeze({ heal: false });
  const bad = (what: string) => libvirtErrors.make('LIBVIRT_BAD_XML', `${where}: bootmedic metadata: ${what}`, { details: { where } });
  if (el.name === 'heal') return Object.freeze({ heal: healValue(el.node, bad) });
  // The wrapper form: children by local name.
  const kids = new Map<string, unknown>();
  for (const [key, value] of Object.entries(obj(el.node) ?? {})) {
    if (key.startsWith('@') || key === '#text') continue;
    if (Array.isArray(value)) throw bad(`<${key}> is given ${value.length} times; give it once`);
    kids.set(local(key), value);
  }
  const known = new Set(['heal', 'ready', 'stall', 'bootloop', 'qos']);
  for (const k of kids.keys()) if (!known.has(k)) throw bad(`unknown element <${k}> (known: heal, ready, stall, bootloop, qos)`);
  const heal = kids.has('heal') ? healValue(kids.get('heal'), bad) : false;
  const ready = kids.has('ready') ? readyValue(kids.get('ready'), bad) : undefined;
  const stall = kids.has('stall') ? numbers(kids.get('stall'), { 'default-seconds': ['defaultSeconds', 0.001, 3600], 'floor-seconds': ['floorSeconds', 0.001, 3600] }, 'stall', bad) : undefined;
  const bootLoop = kids.has('bootloop') ? numbers(kids.get('bootloop'), { resets: ['resets', 2, 100], 'window-seconds': ['windowSeconds', 0.001, 86400] }, 'bootloop', bad) : undefined;
  const qos = kids.has('qos') ? qosValue(kids.get('qos'), bad) : undefined;
  return Object.freeze({ heal, ...(ready !== undefined ? { ready } : {}), ...(stall !== undefined ? { stall } : {}), ...(bootLoop !== undefined ? { bootLoop } : {}), ...(qos !== undefined ? { qos } : {}) });
}

/** <qos class="guaranteed|burstable" cpus=… memory-mib=… iops=… bytes-per-second=…/>, in the VM file's ranges. */
function qosValue(node: unknown, bad: (w: string) => Error): DomainQos {
  const cls = attrOf(node, 'class') ?? 'burstable';
  if (cls !== 'guaranteed' && cls !== 'burstable') throw bad(`<qos class="${cls}"> must be guaranteed or burstable`);
  const limits = numbers(node, { cpus: ['cpus', 0.001, 64], 'memory-mib': ['memoryMiB', 16, 1048576], iops: ['iops', 1, 1_000_000], 'bytes-per-second': ['bytesPerSecond', 1, 2 ** 40] }, 'qos', bad, ['class']);
  for (const k of ['memoryMiB', 'iops', 'bytesPerSecond'] as const) if (limits[k] !== undefined && !Number.isInteger(limits[k])) throw bad(`<qos> ${k}: must be a whole number`);
  return Object.freeze({ class: cls, limits: Object.freeze(limits) });
}

function healValue(node: unknown, bad: (w: string) => Error): boolean {
  const t = textOf(node);
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw bad(`<heal> must be true or false, not ${JSON.stringify(t)}`);
}

function readyValue(node: unknown, bad: (w: string) => Error): ReadySignal {
  const marker = attrOf(node, 'marker');
  const login = attrOf(node, 'login');
  const target = attrOf(node, 'target');
  const given = [marker, login, target].filter((x) => x !== undefined).length;
  if (given !== 1) throw bad('<ready> takes exactly one of marker="TEXT", login="true", target="NAME.target"');
  if (marker !== undefined) {
    if (marker === '' || marker.length > 4096) throw bad('<ready marker> must be 1-4096 characters');
    return { type: 'marker', text: marker };
  }
  if (login !== undefined) {
    if (login !== 'true') throw bad('<ready login> must be "true"');
    return { type: 'login' };
  }
  if (!/^[\w@.-]+\.target$/.test(target!)) throw bad(`<ready target> must name a systemd target like multi-user.target, not ${JSON.stringify(target)}`);
  return { type: 'systemd-target', target: target! };
}

function numbers<K extends string>(node: unknown, spec: Record<string, [K, number, number]>, el: string, bad: (w: string) => Error, other: readonly string[] = []): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const key of Object.keys(obj(node) ?? {})) {
    if (!key.startsWith('@') || key.startsWith('@xmlns') || other.includes(key.slice(1))) continue;
    if (spec[key.slice(1)] === undefined) throw bad(`<${el}> has no attribute ${key.slice(1)} (known: ${[...other, ...Object.keys(spec)].join(', ')})`);
  }
  for (const [a, [field, min, max]] of Object.entries(spec)) {
    const raw = attrOf(node, a);
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max || (field === 'resets' && !Number.isInteger(n))) throw bad(`<${el} ${a}="${raw}"> must be a number from ${min} to ${max}`);
    out[field] = n;
  }
  return out;
}

/** Whether bootmedic may act on a domain, and why: its metadata, bootmedic's config list, or neither. */
export type OptIn = Readonly<{ heal: boolean; by: 'metadata' | 'config' | 'none' }>;

/**
 * The opt-in rule: a domain is healed only when its metadata says `heal` true, or bootmedic's
 * config lists it by name. Everything else is watched, never acted on.
 */
export function optInOf(domain: { name: string; metadata: BootmedicMetadata }, configured: readonly string[] = []): OptIn {
  if (domain.metadata.heal) return { heal: true, by: 'metadata' };
  if (configured.includes(domain.name)) return { heal: true, by: 'config' };
  return { heal: false, by: 'none' };
}
