// Proof construction per RFC 9162 section 2.1.3.1 (PATH) and 2.1.4.1 (SUBPROOF), from
// stored perfect-subtree hashes. Every range the recursion asks for starts at a multiple
// of a power of two at least its length, so it splits into aligned perfect subtrees.
import { EMPTY_ROOT, splitPoint } from './hash.ts';
import { nodeHash } from './hash.ts';
import type { NodeReader } from './tree-builder.ts';

/** MTH of leaves [start, end), for a range whose start is aligned as RFC 9162 recursion gives. */
export function rangeHash(read: NodeReader, start: number, end: number): Buffer {
  const len = end - start;
  if (len === 0) return Buffer.from(EMPTY_ROOT);
  const parts: Buffer[] = [];
  let s = start;
  for (let level = Math.floor(Math.log2(len)) + 1; level >= 0; level--) {
    const w = 2 ** level;
    if (Math.floor(len / w) % 2 === 1) {
      if (s % w !== 0) throw new RangeError(`range [${start}, ${end}) is not aligned`);
      parts.push(read(level, s / w));
      s += w;
    }
  }
  let acc = parts.pop()!;
  while (parts.length > 0) acc = nodeHash(parts.pop()!, acc);
  return acc;
}

/** RFC 9162 PATH(index - start, D[start:end]): the inclusion proof, leaf side first. */
export function buildInclusionProof(read: NodeReader, index: number, end: number, start = 0): Buffer[] {
  const out: Buffer[] = [];
  let lo = start;
  let hi = end;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      out.push(rangeHash(read, lo + k, hi));
      hi = lo + k;
    } else {
      out.push(read(Math.log2(k), lo / k));
      lo += k;
    }
  }
  return out.reverse();
}

/** RFC 9162 SUBPROOF(m, D[0:n], true): the consistency proof from size m to size n. */
export function buildConsistencyProof(read: NodeReader, m: number, n: number): Buffer[] {
  if (m === n) return [];
  const out: Buffer[] = [];
  let lo = 0;
  let hi = n;
  let mm = m;
  let whole = true;
  for (;;) {
    const len = hi - lo;
    if (mm === len) {
      if (!whole) out.push(rangeHash(read, lo, hi));
      break;
    }
    const k = splitPoint(len);
    if (mm <= k) {
      out.push(rangeHash(read, lo + k, hi));
      hi = lo + k;
    } else {
      out.push(read(Math.log2(k), lo / k));
      lo += k;
      mm -= k;
      whole = false;
    }
  }
  return out.reverse();
}
