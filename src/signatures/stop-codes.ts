// Windows bug check (stop) codes: QMP GUEST_PANICKED with hyper-v info carries the code
// in arg1 and its four parameters in arg2..arg5 (qemu/qemu qapi/run-state.json,
// docs/system/i386/hyperv.rst); the names come from the shipped table kb/windows-bugchecks.json.
import { stringifyExact } from '../core/index.ts';
import { defaultKb } from './kb.ts';
import type { Finding } from './types.ts';

function toBigInt(v: number | string | bigint): bigint | undefined {
  try {
    if (typeof v === 'bigint') return v >= 0n ? v : undefined;
    if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
    const s = v.trim();
    if (/^0x[0-9a-f]{1,16}$/i.test(s)) return BigInt(s);
    if (/^[0-9]{1,20}$/.test(s)) return BigInt(s);
    return undefined;
  } catch {
    return undefined;
  }
}

function hex(v: bigint, width: number): string {
  return `0x${v.toString(16).toUpperCase().padStart(width, '0')}`;
}

/**
 * Decodes a Windows stop code (number or "0x3B"/"59") and its parameters.
 *
 * @example
 * decodeStopCode(0x3b, [0xc0000005, 0, 0, 0])?.name // 'SYSTEM_SERVICE_EXCEPTION'
 */
export function decodeStopCode(code: number | string | bigint, params: (number | string | bigint)[] = []): { code: string; name: string; params: string[] } | undefined {
  const v = toBigInt(code);
  if (v === undefined || v > 0xffffffffn) return undefined;
  const table = defaultKb().bugchecks.codes;
  const key = hex(v, 8);
  let name = table[key];
  // Bit 28 marks the "_M" variant of a check (e.g. 0x1000007E), same meaning.
  if (name === undefined && (v & 0x10000000n) !== 0n) {
    const base = table[hex(v & ~0x10000000n, 8)];
    if (base !== undefined) name = `${base}_M`;
  }
  const ps = params.map((p) => {
    const b = toBigInt(p);
    return b === undefined ? String(p) : hex(b, b > 0xffffffffn ? 16 : 8);
  });
  return { code: key, name: name ?? 'UNKNOWN_BUGCHECK', params: ps };
}

/** Findings from the data of a QMP GUEST_PANICKED event (hyper-v arg1..arg5 → stop code). */
export function findingsFromQmpPanic(data: Record<string, unknown>): Finding[] {
  const action = typeof data['action'] === 'string' ? data['action'] : 'unknown';
  const info = data['info'];
  const evidence = [{ line: 0, text: `QMP GUEST_PANICKED ${stringifyExact(data)}` }];
  const source = 'BFM-118; qemu/qemu qapi/run-state.json';
  if (typeof info === 'object' && info !== null && (info as Record<string, unknown>)['type'] === 'hyper-v') {
    const i = info as Record<string, unknown>;
    // 64-bit parameters arrive as exact decimal strings (or bigints), never rounded numbers.
    const arg = (k: string): number | string | bigint => {
      const x = i[k];
      return typeof x === 'number' || typeof x === 'string' || typeof x === 'bigint' ? x : 0;
    };
    const stop = decodeStopCode(arg('arg1'), [arg('arg2'), arg('arg3'), arg('arg4'), arg('arg5')]);
    if (stop !== undefined) {
      return [{
        id: 'qmp.windows-bugcheck', family: 'windows-bugcheck', title: `Windows stop ${stop.name} (${stop.code})`,
        component: 'kernel', layer: 'guest-kernel', severity: 'fatal', phase: 'kernel', stopsBoot: true,
        evidence, stopCode: stop, source,
      }];
    }
  }
  return [{
    id: 'qmp.guest-panicked', family: 'kernel-panic', title: `guest panicked (QMP GUEST_PANICKED, action ${action})`,
    component: 'kernel', layer: 'guest-kernel', severity: 'fatal', phase: 'kernel', stopsBoot: true, evidence, source,
  }];
}
