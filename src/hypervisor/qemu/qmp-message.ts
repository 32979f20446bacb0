// Decoding of one QMP line (docs/interop/qmp-spec.rst §2): a greeting, an event, a
// command's success or error reply. What the peer sends is foreign input: a field of the
// wrong type is read as absent, never trusted, so no TypeError can come of it.
import { parseJsonExact } from '../../core/index.ts';
import { hvErrors } from '../errors.ts';

/** A QMP event as QEMU sent it; an integer past 2^53 in `data` is its exact decimal string. */
export type QmpEvent = { event: string; data: Record<string, unknown>; timestamp?: { seconds: number; microseconds: number } };

/** The greeting QEMU sends on connect. */
export type QmpGreeting = { QMP: { version: { qemu: { major: number; minor: number; micro: number }; package: string }; capabilities: string[] } };

/** One decoded QMP message. */
export type QmpMessage =
  | { type: 'greeting'; greeting: QmpGreeting }
  | { type: 'event'; event: QmpEvent }
  | { type: 'return'; id: string | undefined; value: unknown }
  | { type: 'error'; id: string | undefined; errorClass: string; desc: string; error: unknown }
  /** Valid JSON that is none of the above (QMP says to ignore what is not understood). */
  | { type: 'other' };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Decodes one line from a QMP socket; HV_QMP_PROTOCOL when it is not JSON. */
export function decodeQmpLine(line: string, where: string): QmpMessage {
  let msg: unknown;
  try {
    // 64-bit values (GUEST_PANICKED hyper-v parameters are guest addresses) stay exact.
    msg = parseJsonExact(line);
  } catch {
    throw hvErrors.make('HV_QMP_PROTOCOL', `${where}: not JSON: ${line.slice(0, 80)}`);
  }
  if (!isObject(msg)) return { type: 'other' };
  if (isObject(msg['QMP'])) return { type: 'greeting', greeting: msg as QmpGreeting };
  const event = str(msg['event']);
  if (event !== undefined) {
    const ts = msg['timestamp'];
    const timestamp = isObject(ts) && typeof ts['seconds'] === 'number' && typeof ts['microseconds'] === 'number' ? { seconds: ts['seconds'], microseconds: ts['microseconds'] } : undefined;
    return { type: 'event', event: { event, data: isObject(msg['data']) ? msg['data'] : {}, ...(timestamp ? { timestamp } : {}) } };
  }
  const id = str(msg['id']);
  if ('error' in msg) {
    const err = msg['error'];
    return { type: 'error', id, errorClass: (isObject(err) && str(err['class'])) || 'Error', desc: (isObject(err) && str(err['desc'])) || 'no description', error: err };
  }
  if ('return' in msg) return { type: 'return', id, value: msg['return'] };
  return { type: 'other' };
}
