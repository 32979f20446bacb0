import type { DiskReader } from './disk-reader.ts';
import { imageErrors } from './errors.ts';

// FAT12/16/32 per Microsoft's "FAT: General Overview of On-Disk Format" (v1.03): the type
// is decided by the count of data clusters alone, long names come from VFAT LFN entries.

/** One file or directory in a FAT filesystem. */
export type FatEntry = Readonly<{ path: string; name: string; isDir: boolean; size: number; firstCluster: number }>;

/** A mounted-in-memory view of a FAT filesystem; reads only. */
export type FatFs = Readonly<{
  type: 'FAT12' | 'FAT16' | 'FAT32';
  volumeId: string;
  label: string;
  clusterSize: number;
  /** Every file and directory, depth first, paths without a leading slash. */
  list(): FatEntry[];
  /** Finds an entry by path, case-insensitively; undefined when absent. */
  find(path: string): FatEntry | undefined;
  /** Reads a whole file (IMAGE_FAT_NOT_FOUND when absent, IMAGE_BAD_FAT on a broken chain). */
  readFile(path: string): Buffer;
}>;

const MAX_DIR_DEPTH = 32;
const MAX_FILE = 512 * 1024 * 1024;

function bad(msg: string): never {
  throw imageErrors.make('IMAGE_BAD_FAT', `ESP: ${msg}`);
}

/** Decodes the boot sector and FAT of a FAT filesystem held by `part`. */
export function openFat(part: DiskReader): FatFs {
  if (part.size < 512 * 4) bad(`partition of ${part.size} bytes is too small for FAT`);
  const bs = part.read(0, 512);
  if (bs[510] !== 0x55 || bs[511] !== 0xaa) bad('boot sector has no 0x55AA signature');
  const bytesPerSector = bs.readUInt16LE(11);
  const secPerCluster = bs[13]!;
  const reserved = bs.readUInt16LE(14);
  const numFats = bs[16]!;
  const rootEntries = bs.readUInt16LE(17);
  const total = bs.readUInt16LE(19) || bs.readUInt32LE(32);
  const fatSize = bs.readUInt16LE(22) || bs.readUInt32LE(36);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) bad(`bytes per sector ${bytesPerSector}`);
  if (secPerCluster === 0 || (secPerCluster & (secPerCluster - 1)) !== 0) bad(`sectors per cluster ${secPerCluster}`);
  if (reserved === 0 || numFats === 0 || fatSize === 0 || total === 0) bad('boot sector has zero reserved sectors, FATs or size');
  const rootSectors = Math.ceil((rootEntries * 32) / bytesPerSector);
  const dataStart = reserved + numFats * fatSize + rootSectors;
  if (dataStart >= total) bad('data area starts past the end of the volume');
  if (total * bytesPerSector > part.size) bad(`volume of ${total * bytesPerSector} bytes is larger than its partition (${part.size})`);
  const clusters = Math.floor((total - dataStart) / secPerCluster);
  const type = clusters < 4085 ? 'FAT12' : clusters < 65525 ? 'FAT16' : 'FAT32';
  const clusterSize = secPerCluster * bytesPerSector;
  const fatBytes = fatSize * bytesPerSector;
  if (fatBytes > 64 * 1024 * 1024) bad(`FAT of ${fatBytes} bytes is implausible`);
  const fat = part.read(reserved * bytesPerSector, fatBytes);
  const ext = type === 'FAT32' ? 64 : 36; // extended boot record offset
  const volumeId = bs.readUInt32LE(ext + 3).toString(16).toUpperCase().padStart(8, '0');
  const label = bs.toString('latin1', ext + 7, ext + 18).trim();
  const rootCluster = type === 'FAT32' ? bs.readUInt32LE(44) : 0;

  function next(c: number): number {
    if (type === 'FAT32') return c * 4 + 4 <= fat.length ? fat.readUInt32LE(c * 4) & 0x0fffffff : 0x0fffffff;
    if (type === 'FAT16') return c * 2 + 2 <= fat.length ? fat.readUInt16LE(c * 2) : 0xffff;
    const at = Math.floor(c * 1.5);
    if (at + 2 > fat.length) return 0xfff;
    const v = fat.readUInt16LE(at);
    return c % 2 === 0 ? v & 0xfff : v >> 4;
  }
  const eoc = type === 'FAT32' ? 0x0ffffff8 : type === 'FAT16' ? 0xfff8 : 0xff8;

  // Follows a cluster chain; a loop or a pointer outside the volume is IMAGE_BAD_FAT.
  function chain(first: number, maxBytes: number): number[] {
    const out: number[] = [];
    let c = first;
    while (c >= 2 && c < eoc) {
      if (c >= clusters + 2) bad(`cluster chain from ${first} points at cluster ${c}, past the ${clusters} data clusters`);
      out.push(c);
      if (out.length > clusters || out.length * clusterSize > maxBytes + clusterSize) bad(`cluster chain from ${first} loops or is longer than its file`);
      c = next(c);
    }
    return out;
  }
  function readChain(first: number, size: number): Buffer {
    const cl = chain(first, size);
    if (cl.length * clusterSize < size) bad(`cluster chain from ${first} holds ${cl.length * clusterSize} bytes, file says ${size}`);
    const out = Buffer.alloc(cl.length * clusterSize);
    // Reads runs of consecutive clusters in one go: FAT files are mostly contiguous.
    for (let i = 0; i < cl.length; ) {
      let j = i + 1;
      while (j < cl.length && cl[j] === cl[j - 1]! + 1) j++;
      part.read((dataStart + (cl[i]! - 2) * secPerCluster) * bytesPerSector, (j - i) * clusterSize).copy(out, i * clusterSize);
      i = j;
    }
    return out.subarray(0, size);
  }
  function readDir(cluster: number): Buffer {
    if (cluster === 0) {
      if (type === 'FAT32') bad('directory entry points at cluster 0');
      return part.read((reserved + numFats * fatSize) * bytesPerSector, rootSectors * bytesPerSector);
    }
    const n = chain(cluster, 64 * 1024 * 1024).length;
    return readChain(cluster, n * clusterSize);
  }
  function parseDir(buf: Buffer, prefix: string, depth: number, out: FatEntry[]): void {
    let lfn: string[] = [];
    for (let at = 0; at + 32 <= buf.length; at += 32) {
      const first = buf[at]!;
      if (first === 0) break;
      const attr = buf[at + 11]!;
      if (first === 0xe5) { lfn = []; continue; }
      if (attr === 0x0f) {
        const part = Buffer.concat([buf.subarray(at + 1, at + 11), buf.subarray(at + 14, at + 26), buf.subarray(at + 28, at + 32)]);
        const seq = first & 0x1f;
        if (first & 0x40) lfn = [];
        lfn[seq - 1] = part.toString('utf16le').replace(/\0[\s\S]*$/, '').replace(/\uffff+$/, '');
        continue;
      }
      if (attr & 0x08) { lfn = []; continue; } // volume label
      let base = buf.toString('latin1', at, at + 8).trimEnd();
      let extn = buf.toString('latin1', at + 8, at + 11).trimEnd();
      if (base.charCodeAt(0) === 0x05) base = '\u00e5' + base.slice(1);
      const nt = buf[at + 12]!;
      if (nt & 0x08) base = base.toLowerCase();
      if (nt & 0x10) extn = extn.toLowerCase();
      const short = extn === '' ? base : `${base}.${extn}`;
      const long = lfn.length > 0 && lfn.every((s) => typeof s === 'string') ? lfn.join('') : '';
      lfn = [];
      const name = long !== '' ? long : short;
      if (name === '.' || name === '..') continue;
      const firstCluster = (type === 'FAT32' ? buf.readUInt16LE(at + 20) * 65536 : 0) + buf.readUInt16LE(at + 26);
      const isDir = (attr & 0x10) !== 0;
      const entry: FatEntry = { path: prefix + name, name, isDir, size: isDir ? 0 : buf.readUInt32LE(at + 28), firstCluster };
      out.push(entry);
      if (isDir && firstCluster !== 0) {
        if (depth >= MAX_DIR_DEPTH) bad(`directories nested deeper than ${MAX_DIR_DEPTH} at ${entry.path}`);
        // Each directory has its own clusters ("." and ".." are skipped above): one met again
        // is a loop or cross-linked directories, which would otherwise be walked once per path.
        if (listed.has(firstCluster)) bad(`directory ${entry.path} starts at cluster ${firstCluster}, already listed (a loop or cross-linked directories)`);
        listed.add(firstCluster);
        parseDir(readDir(firstCluster), entry.path + '/', depth + 1, out);
      }
    }
  }
  let cached: FatEntry[] | undefined;
  const listed = new Set<number>(); // first clusters of the directories listed
  const list = (): FatEntry[] => {
    if (cached === undefined) {
      const out: FatEntry[] = [];
      listed.clear();
      listed.add(rootCluster);
      parseDir(readDir(rootCluster), '', 0, out);
      cached = out;
    }
    return cached;
  };
  const norm = (p: string) => p.replace(/^\/+|\/+$/g, '').replace(/\/+/g, '/').toLowerCase();
  const find = (p: string) => list().find((e) => e.path.toLowerCase() === norm(p));
  return {
    type, volumeId: `${volumeId.slice(0, 4)}-${volumeId.slice(4)}`, label, clusterSize, list, find,
    readFile(p) {
      const e = find(p);
      if (e === undefined || e.isDir) throw imageErrors.make('IMAGE_FAT_NOT_FOUND', `ESP: no file ${p}`);
      if (e.size === 0) return Buffer.alloc(0);
      if (e.size > MAX_FILE) bad(`${p} claims ${e.size} bytes`);
      return readChain(e.firstCluster, e.size);
    },
  };
}
