import * as zlib from 'node:zlib';

// IEEE 802.3 CRC-32 (the one GPT uses, UEFI 2.10 §5.3.2). Node 24 has zlib.crc32; the
// table below is the fallback for runtimes without it.
let table: Uint32Array | undefined;

function slowCrc32(data: Uint8Array): number {
  if (table === undefined) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 (IEEE) of `data`, as an unsigned 32-bit number. */
export function crc32(data: Uint8Array): number {
  return native === undefined ? slowCrc32(data) : native(data) >>> 0;
}

/** The table implementation, exported so a test can prove it agrees with zlib's. */
export const crc32Portable = slowCrc32;
