// JSON with integers past 2^53 kept exact. QEMU's QMP writes 64-bit values (guest
// addresses in GUEST_PANICKED hyper-v arg2..arg5, qapi/run-state.json) as plain JSON
// numbers, which a float64 rounds. ES2026 JSON.parse source text access gives a reviver the
// raw text of each number, and JSON.rawJSON writes raw text back; Node 24 has both, the
// TypeScript 5.9 lib has neither, hence the local types below.

type ReviverContext = { source?: string };
type ExactParse = (text: string, reviver: (this: unknown, key: string, value: unknown, context: ReviverContext) => unknown) => unknown;
type RawJson = { rawJSON(text: string): unknown };

const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/**
 * Parses JSON like JSON.parse, except that an integer too large for a float64 to hold
 * exactly comes back as its decimal string ("18446735277616529280"), not a rounded number.
 * @example
 * parseJsonExact('{"arg2":18446735277616529280}') // { arg2: '18446735277616529280' }
 */
export function parseJsonExact(text: string): unknown {
  return (JSON.parse as ExactParse)(text, (_key, value, context) =>
    typeof value === 'number' && !Number.isSafeInteger(value) && context.source !== undefined && INTEGER.test(context.source) ? context.source : value,
  );
}

/** JSON.stringify that writes a bigint as a plain JSON number with every digit (as QEMU does). */
export function stringifyExact(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? (JSON as unknown as RawJson).rawJSON(v.toString()) : v));
}
