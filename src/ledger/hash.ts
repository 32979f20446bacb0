// RFC 9162 section 2.1.1 hashing: leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right).
import { hash } from 'node:crypto';

/** Bytes in one hash (SHA-256). */
export const HASH_SIZE = 32;

/** MTH of the empty tree: SHA-256 of no bytes (RFC 9162 section 2.1.1). */
export const EMPTY_ROOT: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

const LEAF_PREFIX = Buffer.of(0);

/** The leaf hash of one entry, SHA-256(0x00 || entry). */
export function leafHash(entry: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([LEAF_PREFIX, entry]), 'buffer');
}

// One scratch buffer for interior nodes: two 32-byte children plus the prefix. Node is
// single-threaded and hash() copies its input, so reuse is safe and spares an allocation.
const scratch = Buffer.alloc(1 + 2 * HASH_SIZE);
scratch[0] = 1;

/** The interior node hash SHA-256(0x01 || left || right). Children may be any length. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length === HASH_SIZE && right.length === HASH_SIZE) {
    scratch.set(left, 1);
    scratch.set(right, 1 + HASH_SIZE);
    return hash('sha256', scratch, 'buffer');
  }
  return hash('sha256', Buffer.concat([Buffer.of(1), left, right]), 'buffer');
}

/** SHA-256 of arbitrary bytes. */
export function sha256(data: Uint8Array): Buffer {
  return hash('sha256', data, 'buffer');
}

/** Largest power of two strictly below n (n >= 2), the split point k of RFC 9162 MTH. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
