// Proof verification per RFC 9162 sections 2.1.3.2 (inclusion) and 2.1.4.2 (consistency),
// with the edge cases of transparency-dev/merkle's probes: every hash is exactly 32 bytes,
// a consistency proof from size 0 is refused (handle size 0 in the protocol layer).
import { HASH_SIZE, nodeHash } from './hash.ts';

/** Why a proof was rejected, or null when it verifies. */
export type ProofFailure = string | null;

function badHash(h: Uint8Array): boolean {
  return h.length !== HASH_SIZE;
}

/** Recomputes the root from a leaf hash and its inclusion proof; a string says why it cannot. */
export function rootFromInclusionProof(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[]): Buffer | string {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0) return 'index and size must be non-negative integers';
  if (index >= size) return `index ${index} is not below tree size ${size}`;
  if (badHash(leaf)) return `leaf hash has ${leaf.length} bytes, not ${HASH_SIZE}`;
  if (proof.some(badHash)) return 'a proof hash is not 32 bytes';
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return 'proof is longer than the tree is deep';
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return 'proof is shorter than the tree is deep';
  return r;
}

/** Checks an RFC 9162 inclusion proof; null when it verifies, else the reason. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): ProofFailure {
  if (badHash(root)) return `root has ${root.length} bytes, not ${HASH_SIZE}`;
  const r = rootFromInclusionProof(index, size, leaf, proof);
  if (typeof r === 'string') return r;
  return r.equals(root) ? null : 'computed root does not match';
}

/** Checks an RFC 9162 consistency proof between two tree heads; null when it verifies. */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): ProofFailure {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0) return 'sizes must be non-negative integers';
  if (size2 < size1) return `size1 ${size1} is greater than size2 ${size2}`;
  if (size1 === 0) return 'a consistency proof from the empty tree is meaningless';
  if (size1 === size2) {
    // Equal sizes: nothing to prove; the tree heads must simply be identical (upstream
    // compares the bytes as given, whatever their length).
    if (proof.length !== 0) return 'equal sizes need an empty proof';
    return Buffer.from(root1).equals(root2) ? null : 'equal sizes but different roots';
  }
  if (badHash(root1) || badHash(root2)) return 'a root is not 32 bytes';
  if (proof.some(badHash)) return 'a proof hash is not 32 bytes';
  if (proof.length === 0) return 'empty proof for different sizes';
  // Step 1: when size1 is a power of two the old root is the first node of the path.
  const path = isPow2(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr: Buffer = Buffer.from(path[0]!);
  let sr: Buffer = Buffer.from(path[0]!);
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return 'proof is longer than needed';
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return 'proof is shorter than needed';
  if (!fr.equals(root1)) return 'old root does not match';
  if (!sr.equals(root2)) return 'new root does not match';
  return null;
}

function isPow2(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}
