import { mkdirSync, accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { configErrors } from './errors.ts';

/** Where bootmedic keeps its state and its download cache, fixed once per process. */
export type AppConfig = Readonly<{
  /** State: the store, the ledger, boot consoles, keys. */
  home: string;
  /** Downloaded Debian packages and built guests, shared by every home. */
  cache: string;
  /** True when CI=true: no progress bars, no colours. */
  ci: boolean;
  /** Colours on stdout (a TTY and NO_COLOR unset). */
  color: boolean;
  /** Extra files that keep the ledger's latest checkpoint (BOOTMEDIC_LEDGER_CHECKPOINT_COPY, ':'-separated), beside <home>/ledger-checkpoint. */
  ledgerCheckpointCopies?: readonly string[];
  /** Extra folders where witnesses keep the checkpoints they cosigned (BOOTMEDIC_LEDGER_WITNESS_DIR, ':'-separated), beside <home>/ledger-witnesses. */
  ledgerWitnessDirs?: readonly string[];
  /** Memory kept free beside a new VM when it is admitted, in MiB (BOOTMEDIC_ADMISSION_HEADROOM_MIB; default 256). */
  admissionHeadroomMiB?: number;
  /**
   * What a boot that does not fit the host's memory does: refused at once or queued
   * (BOOTMEDIC_ADMISSION_ON_NO_FIT=refuse|queue), and how long it may wait in the queue
   * (BOOTMEDIC_ADMISSION_QUEUE_TIMEOUT_SECONDS). Unset fields fall to the service config, then the defaults.
   */
  admission?: Readonly<{ onNoFit?: 'refuse' | 'queue'; queueTimeoutSeconds?: number }>;
  /** How many nice levels below bootmedic the QEMU processes it launches run, 0 to 19 (BOOTMEDIC_VM_NICE; default: the service config's, else 10). */
  vmNice?: number;
  /** The cgroup v2 hierarchy QoS cgroups are made under, or the folder cgroup v1 hierarchies are mounted in (BOOTMEDIC_CGROUP_ROOT; default /sys/fs/cgroup). */
  cgroupRoot?: string;
  /** libvirt domains opted in to healing by bootmedic's config (BOOTMEDIC_LIBVIRT_HEAL, ','-separated), beside the domains' own metadata. */
  libvirtHeal?: readonly string[];
}>;

/**
 * Resolves the app config in a fixed order: flags, then environment, then defaults.
 * This and the rest of config/ are the only places that read process.env.
 */
export function resolveAppConfig(flags: { home?: string | undefined; cache?: string | undefined } = {}, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const xdgData = env['XDG_DATA_HOME'] || join(homedir(), '.local', 'share');
  const xdgCache = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  const home = resolve(flags.home ?? (env['BOOTMEDIC_HOME'] || join(xdgData, 'bootmedic')));
  const cache = resolve(flags.cache ?? (env['BOOTMEDIC_CACHE'] || join(xdgCache, 'bootmedic')));
  const ci = env['CI'] === 'true' || env['CI'] === '1';
  const color = !ci && !env['NO_COLOR'] && process.stdout.isTTY === true;
  const ledgerCheckpointCopies = Object.freeze((env['BOOTMEDIC_LEDGER_CHECKPOINT_COPY'] ?? '').split(':').filter((p) => p !== '').map((p) => resolve(p)));
  const ledgerWitnessDirs = Object.freeze((env['BOOTMEDIC_LEDGER_WITNESS_DIR'] ?? '').split(':').filter((p) => p !== '').map((p) => resolve(p)));
  const headroom = env['BOOTMEDIC_ADMISSION_HEADROOM_MIB'];
  if (headroom !== undefined && !/^\d{1,7}$/.test(headroom)) {
    throw configErrors.make('CONFIG_BAD_ENV', `BOOTMEDIC_ADMISSION_HEADROOM_MIB=${JSON.stringify(headroom)}: not a whole number of MiB`, { fix: 'Set it to a whole number of MiB, e.g. 256, or unset it.' });
  }
  const onNoFit = env['BOOTMEDIC_ADMISSION_ON_NO_FIT'];
  if (onNoFit !== undefined && onNoFit !== 'refuse' && onNoFit !== 'queue') {
    throw configErrors.make('CONFIG_BAD_ENV', `BOOTMEDIC_ADMISSION_ON_NO_FIT=${JSON.stringify(onNoFit)}: must be refuse or queue`, { fix: 'Set it to refuse (the default) or queue, or unset it.' });
  }
  const queueTimeout = env['BOOTMEDIC_ADMISSION_QUEUE_TIMEOUT_SECONDS'];
  if (queueTimeout !== undefined && (!/^\d{1,5}$/.test(queueTimeout) || Number(queueTimeout) < 1 || Number(queueTimeout) > 86400)) {
    throw configErrors.make('CONFIG_BAD_ENV', `BOOTMEDIC_ADMISSION_QUEUE_TIMEOUT_SECONDS=${JSON.stringify(queueTimeout)}: not a whole number of seconds from 1 to 86400`, { fix: 'Set it to a whole number of seconds, e.g. 300, or unset it.' });
  }
  const admission = { ...(onNoFit !== undefined ? { onNoFit: onNoFit as 'refuse' | 'queue' } : {}), ...(queueTimeout !== undefined ? { queueTimeoutSeconds: Number(queueTimeout) } : {}) };
  const vmNice = env['BOOTMEDIC_VM_NICE'];
  if (vmNice !== undefined && (!/^\d{1,2}$/.test(vmNice) || Number(vmNice) > 19)) {
    throw configErrors.make('CONFIG_BAD_ENV', `BOOTMEDIC_VM_NICE=${JSON.stringify(vmNice)}: not a whole number of nice levels from 0 to 19`, { fix: 'Set it to a whole number from 0 (QEMU at bootmedic\'s priority) to 19, e.g. 10, or unset it.' });
  }
  const cgroupRoot = env['BOOTMEDIC_CGROUP_ROOT'] ? resolve(env['BOOTMEDIC_CGROUP_ROOT']) : undefined;
  const libvirtHeal = Object.freeze((env['BOOTMEDIC_LIBVIRT_HEAL'] ?? '').split(',').map((d) => d.trim()).filter((d) => d !== ''));
  return Object.freeze({
    home, cache, ci, color, ledgerCheckpointCopies, ledgerWitnessDirs, libvirtHeal,
    ...(headroom === undefined ? {} : { admissionHeadroomMiB: Number(headroom) }),
    ...(cgroupRoot === undefined ? {} : { cgroupRoot }),
    ...(vmNice === undefined ? {} : { vmNice: Number(vmNice) }),
    ...(Object.keys(admission).length === 0 ? {} : { admission: Object.freeze(admission) }),
  });
}

/** Creates the home directory (owner-only) and checks it is writable. */
export function ensureHome(cfg: AppConfig): void {
  try {
    mkdirSync(cfg.home, { recursive: true, mode: 0o700 });
    accessSync(cfg.home, constants.W_OK);
  } catch (cause) {
    throw configErrors.make('CONFIG_BAD_HOME', `data directory ${cfg.home}: ${(cause as Error).message}`, { cause });
  }
}
