// The lines of virsh's two event streams (libvirt 9.0, `--timestamp`), parsed into values:
//   2026-12-07 03:27:11.839+0000: event 'lifecycle' for domain 'D': Crashed Panicked
//   2026-12-07 03:27:42.396+0000: event 'reboot' for domain 'D'
//   2026-12-07 03:27:11.834+0000: event GUEST_PANICKED for domain 'D': {"action":"pause"}
//   2026-12-07 03:27:05.743+0000: event RESUME for domain 'D': <null>
// Recorded lines are in testkit/libvirt-events/. Pure: no processes, no clock.

/** A libvirt lifecycle event (virDomainEventType) with its detail word(s). */
export type LifecycleName = 'Defined' | 'Undefined' | 'Started' | 'Suspended' | 'Resumed' | 'Stopped' | 'Shutdown' | 'PMSuspended' | 'Crashed';
const LIFECYCLE: ReadonlySet<string> = new Set<LifecycleName>(['Defined', 'Undefined', 'Started', 'Suspended', 'Resumed', 'Stopped', 'Shutdown', 'PMSuspended', 'Crashed']);

/** One parsed event line; `at` is the event's wall-clock time (epoch ms) as virsh stamped it. */
export type LibvirtEvent =
  | { type: 'lifecycle'; at: number; domain: string; event: LifecycleName; detail: string }
  | { type: 'reboot'; at: number; domain: string }
  /** Any other `virsh event --all` event (device-removed, block-job, ...), kept by name. */
  | { type: 'other'; at: number; domain: string; event: string; detail: string }
  /** A QMP event from `virsh qemu-monitor-event`. */
  | { type: 'qmp'; at: number; domain: string; event: string; data: Record<string, unknown> };

const STAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(\d\d): event /;
// The domain name is quoted with single quotes and not escaped by virsh: take the longest
// name that the rest of the line fits after.
const NAMED = /^'([^']+)' for domain '(.*)'(?:: (.*))?$/;
const QMP = /^([A-Z][A-Z0-9_]*) for domain '(.*)': (.*)$/;

/**
 * Parses one line of `virsh event --loop --timestamp` or `virsh qemu-monitor-event --loop
 * --timestamp`; anything else (virsh's own messages, a torn line) is undefined.
 */
export function parseEventLine(line: string): LibvirtEvent | undefined {
  const m = STAMP.exec(line.trimEnd());
  if (m === null) return undefined;
  const at = Date.parse(`${m[1]}T${m[2]}${m[3]}:${m[4]}`);
  if (Number.isNaN(at)) return undefined;
  const rest = line.trimEnd().slice(m[0].length);
  const named = NAMED.exec(rest);
  if (named !== null) {
    const [, kind, domain, tail] = named as unknown as [string, string, string, string | undefined];
    if (kind === 'lifecycle') {
      const [event = '', ...detail] = (tail ?? '').split(' ');
      if (!LIFECYCLE.has(event)) return { type: 'other', at, domain, event: `lifecycle ${event}`, detail: detail.join(' ') };
      return { type: 'lifecycle', at, domain, event: event as LifecycleName, detail: detail.join(' ') };
    }
    if (kind === 'reboot') return { type: 'reboot', at, domain };
    return { type: 'other', at, domain, event: kind, detail: tail ?? '' };
  }
  const q = QMP.exec(rest);
  if (q === null) return undefined;
  const [, event, domain, payload] = q as unknown as [string, string, string, string];
  return { type: 'qmp', at, domain, event, data: qmpData(payload) };
}

/** The data of a QMP event as virsh prints it: a JSON object, or `<null>` for none. */
function qmpData(payload: string): Record<string, unknown> {
  if (payload === '<null>') return {};
  try {
    const v: unknown = JSON.parse(payload);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { raw: payload };
  }
}
