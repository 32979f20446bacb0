// Reads one test case in syzkaller's report test format (pkg/report/testdata/linux/report):
// "KEY: value" header lines up to the first empty line ("#" lines are comments), then the
// console log, then optionally an empty line, a "REPORT:" line and the expected report.

/** One parsed test case. */
export type SyzTestCase = {
  /** Expected title of the first crash; undefined when the log must be judged crash-free. */
  title: string | undefined;
  alt: string[];
  type: string | undefined;
  corrupted: boolean;
  /** Every header key with its values, as written (ALT may repeat). */
  header: Record<string, string[]>;
  /** The console log, as bytes, with every "\r" removed (as the upstream test does). */
  log: Uint8Array;
  /** The expected extracted report text, when the file has a REPORT: part. */
  report: string | undefined;
};

const NL = 0x0a;
const CR = 0x0d;

function indexOfSeq(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Parses the bytes of one syzkaller-format test file. */
export function parseSyzTestFile(bytes: Uint8Array): SyzTestCase {
  const data = bytes.includes(CR) ? bytes.filter((b) => b !== CR) : bytes;
  const header: Record<string, string[]> = {};
  let pos = 0;
  // Header: lines up to the first empty line. latin1 keeps one char per byte.
  while (pos < data.length) {
    let end = data.indexOf(NL, pos);
    if (end === -1) end = data.length;
    const line = Buffer.from(data.subarray(pos, end)).toString('latin1');
    pos = end + 1;
    if (line === '') break;
    if (line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    (header[key] ??= []).push(value);
  }
  if (pos > data.length) pos = data.length;
  let logEnd = data.length;
  let report: string | undefined;
  const marker = new TextEncoder().encode('\n\nREPORT:\n');
  const at = indexOfSeq(data, marker, pos === 0 ? 0 : pos - 1);
  if (at !== -1) {
    logEnd = at + 1;
    report = Buffer.from(data.subarray(at + marker.length)).toString('utf8');
  }
  const title = header['TITLE']?.[0];
  return {
    title: title === undefined || title === '' ? undefined : title,
    alt: [...(header['ALT'] ?? [])].sort(),
    type: header['TYPE']?.[0],
    corrupted: header['CORRUPTED']?.[0] === 'Y',
    header,
    log: data.subarray(pos, logEnd),
    report,
  };
}
