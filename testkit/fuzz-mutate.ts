// Structure-aware byte mutations for the fuzz targets: writes of "interesting" integers
// (0, 1, all ones, sign bits, small counts) into the regions of a valid sample where its
// metadata lives, plus single random bytes and an optional cut. Applied in place and
// undone after the run, so a multi-megabyte sample is never copied per input.
import fc from 'fast-check';

/** One write: `bytes` at `at` within region `region` (both taken modulo what exists). */
export type Edit = { region: number; at: number; bytes: number[] };
/** A list of writes and an optional cut (a fraction of the length to keep); or, with `raw`, other bytes altogether. */
export type Mutation = { edits: Edit[]; cut: number | undefined; raw?: Uint8Array };

const INTERESTING = [0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512, 4095, 4096, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

/** Bytes of an integer field of `width` bytes, little- or big-endian. */
function fieldBytes(value: number, width: number, bigEndian: boolean): number[] {
  const out: number[] = [];
  let v = BigInt(value);
  // Sign-extend an all-ones 32-bit value to 64 bits so 8-byte fields also get "-1".
  if (width === 8 && value === 0xffffffff) v = (1n << 64n) - 1n;
  for (let i = 0; i < width; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return bigEndian ? out.reverse() : out;
}

/**
 * The mutation generator: 1..`maxEdits` writes (fields of 1, 2, 4 or 8 bytes, or random
 * bytes), cut in `cutChance` of inputs; with `rawMax`, one input in ten is random bytes
 * (up to that many) instead of the sample.
 */
export function mutationArb(o: { bigEndian: boolean; maxEdits?: number; cutChance?: number; rawMax?: number }): fc.Arbitrary<Mutation> {
  const field = fc
    .record({ region: fc.nat(), at: fc.nat(), width: fc.constantFrom(1, 2, 4, 8), value: fc.oneof(fc.constantFrom(...INTERESTING), fc.nat(), fc.integer({ min: 0, max: 0xffffffff })) })
    .map(({ region, at, width, value }): Edit => ({ region, at, bytes: fieldBytes(value, width, o.bigEndian) }));
  const bytes = fc.record({ region: fc.nat(), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }) });
  const cutPct = Math.round((o.cutChance ?? 0.1) * 100);
  const edited = fc.record({
    edits: fc.array(fc.oneof(field, bytes), { minLength: 1, maxLength: o.maxEdits ?? 8 }),
    cut: fc.integer({ min: 0, max: 99 }).chain((p) => (p < cutPct ? fc.double({ min: 0, max: 1, noNaN: true }) : fc.constant(undefined))),
  });
  if (o.rawMax === undefined) return edited;
  const raw = fc.uint8Array({ maxLength: o.rawMax }).map((r): Mutation => ({ edits: [], cut: undefined, raw: r }));
  return fc.oneof({ weight: 9, arbitrary: edited }, { weight: 1, arbitrary: raw });
}

/**
 * Applies `m` to `buf` in place within `regions` ([start, end) byte ranges), calls `fn` on
 * the result (cut when asked), and restores the bytes whatever `fn` does.
 */
export function withMutation<R>(buf: Buffer, regions: readonly (readonly [number, number])[], m: Mutation, fn: (b: Buffer) => R): R {
  if (m.raw !== undefined) return fn(Buffer.from(m.raw));
  const saved: [number, number][] = [];
  for (const e of m.edits) {
    const [a, b] = regions[e.region % regions.length]!;
    const at = a + (e.at % Math.max(1, b - a));
    e.bytes.forEach((v, i) => {
      if (at + i >= buf.length) return;
      saved.push([at + i, buf[at + i]!]);
      buf[at + i] = v;
    });
  }
  try {
    return fn(m.cut === undefined ? buf : buf.subarray(0, Math.floor(m.cut * buf.length)));
  } finally {
    for (let i = saved.length - 1; i >= 0; i--) buf[saved[i]![0]] = saved[i]![1];
  }
}
