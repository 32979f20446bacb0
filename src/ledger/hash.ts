// RFC 9162 section 2.1.1 hashing: leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right).
import { hash } from 'node:crypto';

/** Bytes in one hash (SHA-256). */
export const HASH_SIZE = 32;

/** MTH of the empty tree: SHA-256 of no bytes (RFC 9162 section 2.1.1). */
export const EMPTY_ROOT: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

// hash(..., 'buffer') makes a fresh ArrayBuffer per call, which costs more than SHA-256 of
// a few blocks; a latin1 string copied into a pooled Buffer is about twice as fast.
function digest(data: Uint8Array): Buffer {
  return Buffer.from(hash('sha256', data, 'binary'), 'binary');
}

// Scratch buffers: the prefix and the input are laid out once, then hashed. Node is
// single-threaded and hash() reads its input synchronously, so reuse is safe.
const leafScratch = Buffer.alloc(1 + 0x10000);
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = 1;

/** The leaf hash of one entry, SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Buffer {
  if (entry.length < leafScratch.length) {
    leafScratch[0] = 0;
    leafScratch.set(entry, 1);
    return digest(leafScratch.subarray(0, entry.length + 1));
  }
  return digest(Buffer.concat([Buffer.of(0), entry]));
}

/** The interior node hash SHA-256(0x01 || left || right). Children may be any length. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length === HASH_SIZE && right.length === HASH_SIZE) {
    nodeScratch.set(left, 1);
    nodeScratch.set(right, 1 + HASH_SIZE);
    return digest(nodeScratch);
  }
  return digest(Buffer.concat([Buffer.of(1), left, right]));
}

/** SHA-256 of arbitrary bytes. */
export function sha256(data: Uint8Array): Buffer {
  return digest(data);
}

/** Largest power of two strictly below n (n >= 2), the split point k of RFC 9162 MTH. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
