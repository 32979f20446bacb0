// The guest's own view of its memory, reported through the virtio balloon's statistics
// queue (QEMU docs/interop/virtio-balloon-stats.rst): QOM property
// guest-stats-polling-interval (seconds, 0 = off) on the balloon device turns polling on,
// and guest-stats returns { stats: { "stat-<name>": bytes or -1 }, "last-update": seconds }.
import { monitorErrors } from '../errors.ts';

/** QOM path of the balloon device bootmedic adds (`-device virtio-balloon-pci,id=balloon0`). */
export const BALLOON_PATH = '/machine/peripheral/balloon0';

/** Anything that runs QMP commands (a VmProcess). */
export type QmpRunner = { qmp(command: string, args?: Record<string, unknown>): Promise<unknown> };

/** The guest's memory as its balloon driver last reported it, in bytes; `lastUpdate` in host seconds since the epoch. */
export type GuestMemory = Readonly<{ availableBytes?: number; freeBytes?: number; totalBytes?: number; lastUpdate: number }>;

function unavailable(what: string, cause?: unknown): never {
  throw monitorErrors.make('MONITOR_BALLOON_UNAVAILABLE', `guest memory statistics: ${what}`, cause === undefined ? {} : { cause });
}

/** Asks the guest to report its memory every `seconds` seconds (at least 1). */
export async function enableBalloonStats(vm: QmpRunner, seconds: number): Promise<void> {
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw monitorErrors.make('MONITOR_FORECAST_BAD_PARAMS', `balloon statistics interval must be a whole number of seconds ≥ 1 (got ${seconds})`);
  }
  try {
    await vm.qmp('qom-set', { path: BALLOON_PATH, property: 'guest-stats-polling-interval', value: seconds });
  } catch (e) {
    unavailable(`no balloon device at ${BALLOON_PATH} (${(e as Error).message})`, e);
  }
}

/** A statistic in bytes, or undefined when the guest has not reported it (QEMU gives -1). */
function statValue(stats: Record<string, unknown>, name: string): number | undefined {
  const v = stats[name];
  return typeof v === 'number' && v >= 0 ? v : undefined;
}

/** Parses a guest-stats reply; undefined until the guest has reported at least once. */
export function parseGuestStats(reply: unknown): GuestMemory | undefined {
  const r = reply as { stats?: unknown; 'last-update'?: unknown } | null;
  if (r === null || typeof r !== 'object' || typeof r.stats !== 'object' || r.stats === null || typeof r['last-update'] !== 'number') {
    unavailable(`unexpected guest-stats reply ${JSON.stringify(reply)}`);
  }
  const stats = r.stats as Record<string, unknown>;
  if (r['last-update'] === 0) return undefined;
  const out: { availableBytes?: number; freeBytes?: number; totalBytes?: number; lastUpdate: number } = { lastUpdate: r['last-update'] as number };
  const available = statValue(stats, 'stat-available-memory');
  const free = statValue(stats, 'stat-free-memory');
  const total = statValue(stats, 'stat-total-memory');
  if (available !== undefined) out.availableBytes = available;
  if (free !== undefined) out.freeBytes = free;
  if (total !== undefined) out.totalBytes = total;
  return Object.freeze(out);
}

/** Reads the guest's last reported memory; undefined before its first report. */
export async function readGuestMemory(vm: QmpRunner): Promise<GuestMemory | undefined> {
  let reply: unknown;
  try {
    reply = await vm.qmp('qom-get', { path: BALLOON_PATH, property: 'guest-stats' });
  } catch (e) {
    unavailable(`no balloon device at ${BALLOON_PATH} (${(e as Error).message})`, e);
  }
  return parseGuestStats(reply);
}
