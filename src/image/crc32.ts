import * as zlib from 'node:zlib';

// IEEE 802.3 CRC-32 (the one GPT uses, UEFI 2.10 §5.3.2), computed by Node's zlib.crc32.

/** CRC-32 (IEEE) of `data`, as an unsigned 32-bit number. */
export function crc32(data: Uint8Array): number {
  return zlib.crc32(data) >>> 0;
}
