// Zstandard frame walking (RFC 8878 §3.1.1): the frame header, then blocks whose 3-byte
// headers give their size, to find where one frame ends without decompressing it.

/** The length in bytes of the zstd frame at the start of `b`, or undefined when it is cut short or malformed. */
export function zstdFrameLength(b: Buffer): number | undefined {
  if (b.length < 6 || b.readUInt32LE(0) !== 0xfd2fb528) return undefined;
  const fhd = b[4]!;
  const fcsFlag = fhd >> 6;
  const single = (fhd >> 5) & 1;
  const checksum = (fhd >> 2) & 1;
  const didSize = [0, 1, 2, 4][fhd & 3]!;
  const fcsSize = fcsFlag === 0 ? single : [0, 2, 4, 8][fcsFlag]!;
  let at = 5 + (single ? 0 : 1) + didSize + fcsSize;
  for (;;) {
    if (at + 3 > b.length) return undefined;
    const h = b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
    const last = h & 1;
    const type = (h >> 1) & 3;
    const size = h >>> 3;
    if (type === 3) return undefined;
    at += 3 + (type === 1 ? 1 : size);
    if (at > b.length) return undefined;
    if (last) break;
  }
  at += checksum ? 4 : 0;
  return at <= b.length ? at : undefined;
}
