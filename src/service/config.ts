import { isIP } from 'node:net';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { checkPath, isBootmedicError, loadDataFile } from '../core/index.ts';
import { serviceErrors } from './errors.ts';

// The service config (`bootmedic serve --config FILE`): YAML, validated once with zod and
// frozen. Each bad field is one error whose code says what kind of field it is and whose
// message names the field (`heal.vms[1]: ...`) and the fix. Relative paths are taken from
// the config file's folder.

const VM_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const path = () => z.string().min(1).max(4096);

const Schema = z
  .object({
    listen: z.string().max(300).default('127.0.0.1:7878'),
    tls: z.object({ cert: path(), key: path() }).strict().optional(),
    allowPlainHttp: z.boolean().default(false),
    tokens: path().optional(),
    vms: z.object({ dir: path().optional(), files: z.array(path()).max(1000).default([]) }).strict().default({ files: [] }),
    libvirt: z.object({ uris: z.array(z.string().max(1000).regex(/^[a-z][a-z0-9]*(\+[a-z0-9]+)?:\/\/[^\s/]*\/\S*$/, "a libvirt URI like 'qemu:///system' or 'qemu+ssh://host/system'")).max(32).default([]) }).strict().default({ uris: [] }),
    heal: z
      .object({ enabled: z.boolean().default(true), vms: z.array(z.string().regex(VM_NAME, 'a VM name: lower-case letters, digits, ".", "_" and "-"')).max(1000).optional() })
      .strict()
      .default({ enabled: true }),
    onStop: z.enum(['shutdown', 'leave-running']).default('shutdown'),
    alertmanager: z.object({ urls: z.array(z.string().max(2000)).max(16).default([]), resendSeconds: z.number().int().min(5).max(86400).default(60) }).strict().default({ urls: [], resendSeconds: 60 }),
    externalUrl: z.string().max(2000).optional(),
    drill: z.object({ maxScenarios: z.number().int().min(1).max(1000).default(50) }).strict().default({ maxScenarios: 50 }),
    resources: z
      .object({
        admission: z
          .object({
            onNoFit: z.enum(['refuse', 'queue']).optional(),
            queueTimeoutSeconds: z.number().int().min(1).max(86400).optional(),
            recheckSeconds: z.number().min(0.1).max(3600).optional(),
          })
          .strict()
          .default({}),
        vmNice: z.number().int().min(0).max(19).optional(),
      })
      .strict()
      .default({ admission: {} }),
  })
  .strict();

/** The validated, frozen service config; every path is absolute. */
export type ServiceConfig = Readonly<{
  /** The file it was read from; undefined for the embedded defaults. */
  source: string | undefined;
  listen: Readonly<{ host: string; port: number }>;
  tls?: Readonly<{ cert: string; key: string }>;
  allowPlainHttp: boolean;
  /** The hashed token file (default <home>/tokens.json). */
  tokens: string;
  vms: Readonly<{ dir?: string; files: readonly string[] }>;
  /** libvirt connections whose domains the service watches (and heals when opted in). */
  libvirt: Readonly<{ uris: readonly string[] }>;
  /** Heal only when enabled, and then only the VMs listed (all when `vms` is absent). */
  heal: Readonly<{ enabled: boolean; vms?: readonly string[] }>;
  /**
   * What close() does with the QEMU VMs bootmedic launched. QEMU runs under a parent-death
   * signal (a crash of bootmedic never leaves an orphan), so `leave-running` cannot keep a
   * QEMU VM up: both modes shut them down; libvirt domains are always left alone.
   */
  onStop: 'shutdown' | 'leave-running';
  alertmanager: Readonly<{ urls: readonly string[]; resendSeconds: number }>;
  /** The base of links in alerts (default http://<listen>). */
  externalUrl: string;
  drill: Readonly<{ maxScenarios: number }>;
  /**
   * What a boot that does not fit the host's memory does: refused at once, or queued (FIFO)
   * until memory frees, for at most queueTimeoutSeconds, re-checked every recheckSeconds.
   * Unset fields: the environment's (BOOTMEDIC_ADMISSION_*), else refuse, 300 s, 5 s.
   */
  resources: Readonly<{
    admission: Readonly<{ onNoFit?: 'refuse' | 'queue'; queueTimeoutSeconds?: number; recheckSeconds?: number }>;
    /**
     * How many nice levels below bootmedic the QEMU processes it launches run (0 to 19), so
     * the service stays responsive when VMs contend for the CPU. Unset: BOOTMEDIC_VM_NICE, else 10.
     */
    vmNice?: number;
  }>;
}>;

/** True for a loopback listen address (no TLS needed). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

/**
 * Parses `HOST:PORT` (`[v6]:PORT` for IPv6); the host is an IP address or `localhost`.
 * Throws SERVICE_CONFIG_BAD_LISTEN naming `what` (the field or flag).
 */
export function parseListen(text: string, what = 'listen'): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  const okHost = host !== undefined && (host === 'localhost' || isIP(host) !== 0) && (m?.[1] === undefined || isIP(host) === 6);
  if (m === null || !okHost || !(port >= 0 && port <= 65535)) {
    throw serviceErrors.make('SERVICE_CONFIG_BAD_LISTEN', `${what}: '${text}' is not HOST:PORT with an IP address or localhost and a port from 0 to 65535`);
  }
  return { host: host!, port };
}

const hostPort = (l: { host: string; port: number }) => `${isIP(l.host) === 6 ? `[${l.host}]` : l.host}:${l.port}`;

function checkUrl(text: string, field: string): string {
  let u: URL | undefined;
  try {
    u = new URL(text);
  } catch {
    u = undefined;
  }
  if (u === undefined || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw serviceErrors.make('SERVICE_CONFIG_BAD_URL', `${field}: '${text}' is not an absolute http(s) URL`);
  return text.replace(/\/+$/, '');
}

/** The code for a zod issue at `path`: the field kind decides it. */
function codeFor(p: readonly PropertyKey[]): 'SERVICE_CONFIG_BAD_LISTEN' | 'SERVICE_CONFIG_BAD_URL' | 'SERVICE_CONFIG_VM_SOURCE' | 'SERVICE_CONFIG_INVALID' {
  if (p[0] === 'listen') return 'SERVICE_CONFIG_BAD_LISTEN';
  if (p[0] === 'externalUrl' || (p[0] === 'alertmanager' && p[1] === 'urls')) return 'SERVICE_CONFIG_BAD_URL';
  if (p[0] === 'vms') return 'SERVICE_CONFIG_VM_SOURCE';
  return 'SERVICE_CONFIG_INVALID';
}

const fieldName = (p: readonly PropertyKey[]) => p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s === '' ? String(k) : `${s}.${String(k)}`), '') || '(the document)';

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message;
}

/**
 * Validates parsed config data. `where` names the file for messages; relative paths are
 * resolved against `baseDir`; `home` gives the default token file.
 */
export function parseServiceConfig(input: unknown, o: { where: string; baseDir: string; home: string; source?: string }): ServiceConfig {
  const r = Schema.safeParse(input ?? {});
  if (!r.success) {
    const first = r.error.issues[0]!;
    const lines = r.error.issues.map((i) => `${fieldName(i.path)}: ${describe(i)}`);
    throw serviceErrors.make(codeFor(first.path), `${o.where}: ${lines.join('; ')}`);
  }
  const c = r.data;
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(o.baseDir, p));
  const listen = parseListen(c.listen, `${o.where}: listen`);
  const tls = c.tls === undefined ? undefined : { cert: abs(c.tls.cert), key: abs(c.tls.key) };
  for (const [k, p] of Object.entries(tls ?? {})) {
    try {
      checkPath(p, { what: `tls.${k}` });
    } catch (e) {
      throw serviceErrors.make('SERVICE_CONFIG_TLS_FILE', `${o.where}: tls.${k}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (!isLoopback(listen.host) && tls === undefined && !c.allowPlainHttp) {
    throw serviceErrors.make('SERVICE_CONFIG_NEEDS_TLS', `${o.where}: listen ${hostPort(listen)} is not a loopback address: give tls: { cert, key } or set allowPlainHttp: true`);
  }
  const amUrls = c.alertmanager.urls.map((u, i) => checkUrl(u, `${o.where}: alertmanager.urls[${i}]`));
  const externalUrl = c.externalUrl === undefined ? `http${tls ? 's' : ''}://${hostPort(listen)}` : checkUrl(c.externalUrl, `${o.where}: externalUrl`);
  const files = c.vms.files.map(abs);
  const dupFile = files.find((f, i) => files.indexOf(f) !== i);
  if (dupFile !== undefined) throw serviceErrors.make('SERVICE_CONFIG_VM_SOURCE', `${o.where}: vms.files: ${dupFile} is listed twice`);
  return deepFreeze({
    source: o.source,
    listen,
    ...(tls !== undefined ? { tls } : {}),
    allowPlainHttp: c.allowPlainHttp,
    tokens: c.tokens === undefined ? join(o.home, 'tokens.json') : abs(c.tokens),
    vms: { ...(c.vms.dir !== undefined ? { dir: abs(c.vms.dir) } : {}), files },
    libvirt: { uris: c.libvirt.uris },
    heal: { enabled: c.heal.enabled, ...(c.heal.vms !== undefined ? { vms: c.heal.vms } : {}) },
    onStop: c.onStop,
    alertmanager: { urls: amUrls, resendSeconds: c.alertmanager.resendSeconds },
    externalUrl,
    drill: { maxScenarios: c.drill.maxScenarios },
    resources: {
      admission: Object.fromEntries(Object.entries(c.resources.admission).filter(([, v]) => v !== undefined)),
      ...(c.resources.vmNice !== undefined ? { vmNice: c.resources.vmNice } : {}),
    },
  });
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * Loads the service config. `file` is the one given with --config (it must exist);
 * without it `defaultFile` is read when it exists, else the embedded defaults apply.
 * @example
 * const cfg = loadServiceConfig({ file: values.config, defaultFile: defaultServiceConfigPath(), home: app.home });
 */
export function loadServiceConfig(o: { file?: string | undefined; defaultFile?: string | undefined; home: string }): ServiceConfig {
  const path = o.file ?? o.defaultFile;
  if (path === undefined) return parseServiceConfig({}, { where: 'service config (defaults)', baseDir: o.home, home: o.home });
  let raw: unknown;
  try {
    raw = loadDataFile(path, {
      what: 'service config',
      format: 'yaml',
      missing: (m) => serviceErrors.make('SERVICE_CONFIG_NOT_FOUND', m),
      fail: (m) => serviceErrors.make('SERVICE_CONFIG_BAD_YAML', m),
    });
  } catch (e) {
    if (o.file === undefined && isBootmedicError(e, 'SERVICE_CONFIG_NOT_FOUND')) return parseServiceConfig({}, { where: 'service config (defaults)', baseDir: o.home, home: o.home });
    throw e;
  }
  return parseServiceConfig(raw, { where: `service config ${resolve(path)}`, baseDir: dirname(resolve(path)), home: o.home, source: resolve(path) });
}

/** May the service heal `vm` under this config? */
export const healAllowed = (c: ServiceConfig, vm: string): boolean => c.heal.enabled && (c.heal.vms === undefined || c.heal.vms.includes(vm));

