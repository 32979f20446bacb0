import type { DiskReader } from './disk-reader.ts';
import { imageErrors } from './errors.ts';

// A small read-only ext2/3/4 file reader (kernel Documentation/filesystems/ext4/: group
// descriptors, inode table, extent tree, linear directories). It serves inspection of
// qcow2 images, where debugfs would need the whole partition copied out first.
const MAX_FILE = 16 * 1024 * 1024;
const S_IFMT = 0xf000;
const S_IFDIR = 0x4000;
const S_IFREG = 0x8000;
const S_IFLNK = 0xa000;

function bad(msg: string): never {
  throw imageErrors.make('IMAGE_BAD_EXT4', `root filesystem: ${msg}`);
}

/** Reads a regular file by absolute path; undefined when a path component does not exist. */
export function readExt4File(part: DiskReader, path: string): Buffer | undefined {
  const sb = part.read(1024, 1024);
  if (sb.readUInt16LE(56) !== 0xef53) bad('no ext4 superblock');
  const logBlock = sb.readUInt32LE(24);
  if (logBlock > 6) bad('invalid block size');
  const bs = 1024 << logBlock;
  const inodesPerGroup = sb.readUInt32LE(40);
  const inodesCount = sb.readUInt32LE(0);
  const inodeSize = sb.readUInt32LE(76) >= 1 ? sb.readUInt16LE(88) : 128;
  const incompat = sb.readUInt32LE(96);
  const descSize = incompat & 0x80 ? Math.max(32, sb.readUInt16LE(0xfe)) : 32;
  const firstDataBlock = sb.readUInt32LE(20);
  if (inodesPerGroup === 0 || inodeSize < 128 || inodeSize > bs || descSize > 1024) bad('implausible geometry');
  const block = (n: number, count = 1) => {
    if (!Number.isSafeInteger(n) || n <= 0 || (n + count) * bs > part.size) bad(`block ${n} lies outside the filesystem`);
    return part.read(n * bs, count * bs);
  };

  function inode(n: number): Buffer {
    if (n < 1 || n > inodesCount) bad(`inode ${n} out of range`);
    const group = Math.floor((n - 1) / inodesPerGroup);
    const d = part.read((firstDataBlock + 1) * bs + group * descSize, descSize);
    const table = d.readUInt32LE(8) + (descSize >= 64 ? d.readUInt32LE(0x28) * 2 ** 32 : 0);
    const at = table * bs + ((n - 1) % inodesPerGroup) * inodeSize;
    if (table === 0 || at + inodeSize > part.size) bad(`inode table of group ${group} lies outside the filesystem`);
    return part.read(at, inodeSize);
  }

  // Maps logical blocks to physical ones by walking the extent tree (or the old block map).
  function blocksOf(ino: Buffer, nblocks: number): number[] {
    const out: number[] = new Array<number>(nblocks).fill(0);
    const flags = ino.readUInt32LE(0x20);
    if (flags & 0x10000000) bad('inline-data files are not read');
    const iblock = ino.subarray(0x28, 0x28 + 60);
    if (flags & 0x80000) {
      // Each node of a valid tree has its own block: one met again would be walked once per
      // path to it (index entries all naming one block multiply at every level).
      const seen = new Set<number>();
      const walk = (node: Buffer, depth: number) => {
        if (node.readUInt16LE(0) !== 0xf30a) bad('bad extent header');
        const entries = node.readUInt16LE(2);
        const d = node.readUInt16LE(6);
        if (d !== depth || depth > 5 || 12 + entries * 12 > node.length) bad('bad extent tree');
        for (let i = 0; i < entries; i++) {
          const e = node.subarray(12 + i * 12, 24 + i * 12);
          if (depth === 0) {
            const first = e.readUInt32LE(0);
            let len = e.readUInt16LE(4);
            const uninit = len > 32768;
            if (uninit) len -= 32768;
            const start = e.readUInt16LE(6) * 2 ** 32 + e.readUInt32LE(8);
            for (let k = 0; k < len && first + k < nblocks; k++) out[first + k] = uninit ? 0 : start + k;
          } else {
            const child = e.readUInt16LE(8) * 2 ** 32 + e.readUInt32LE(4);
            if (seen.has(child)) bad(`extent tree names block ${child} twice`);
            seen.add(child);
            walk(block(child), depth - 1);
          }
        }
      };
      walk(iblock, iblock.readUInt16LE(6));
      return out;
    }
    const per = bs / 4;
    for (let i = 0; i < Math.min(12, nblocks); i++) out[i] = iblock.readUInt32LE(i * 4);
    const ind = iblock.readUInt32LE(48);
    if (nblocks > 12 && ind !== 0) {
      const t = block(ind);
      for (let i = 0; i < per && 12 + i < nblocks; i++) out[12 + i] = t.readUInt32LE(i * 4);
    }
    if (nblocks > 12 + per) bad('files past the single-indirect block map are not read');
    return out;
  }

  function contents(n: number, what: string): { mode: number; data: Buffer } {
    const ino = inode(n);
    const mode = ino.readUInt16LE(0);
    const size = ino.readUInt32LE(4) + ino.readUInt32LE(0x6c) * 2 ** 32;
    if (size > MAX_FILE) bad(`${what} is ${size} bytes, more than this reader takes`);
    // The files read here (directories, symlinks, fstab) are never sparse: a size past the
    // filesystem is damage, and would make us allocate what the inode claims.
    if (size > part.size) bad(`${what} claims ${size} bytes, more than its ${part.size}-byte filesystem`);
    const nblocks = Math.ceil(size / bs);
    const map = blocksOf(ino, nblocks);
    const data = Buffer.alloc(nblocks * bs);
    map.forEach((b, i) => {
      if (b !== 0) block(b).copy(data, i * bs);
    });
    return { mode, data: data.subarray(0, size) };
  }

  function lookup(dir: number, name: string, where: string): number {
    const { mode, data } = contents(dir, where);
    if ((mode & S_IFMT) !== S_IFDIR) return 0;
    for (let at = 0; at + 8 <= data.length; ) {
      const ino = data.readUInt32LE(at);
      const recLen = data.readUInt16LE(at + 4);
      const nameLen = data[at + 6]!;
      if (recLen < 8 || at + recLen > data.length) bad(`corrupt directory entry in ${where}`);
      if (ino !== 0 && nameLen > 0 && data.toString('utf8', at + 8, at + 8 + nameLen) === name) return ino;
      at += recLen;
    }
    return 0;
  }

  // Resolves the path from the root inode (2), following up to 8 symlinks.
  const todo = path.split('/').filter((p) => p !== '');
  const stack: number[] = [2];
  let links = 0;
  while (todo.length > 0) {
    const name = todo.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const next = lookup(stack[stack.length - 1]!, name, name);
    if (next === 0) return undefined;
    const ino = inode(next);
    if ((ino.readUInt16LE(0) & S_IFMT) === S_IFLNK) {
      if (++links > 8) bad(`too many symlinks resolving ${path}`);
      const size = ino.readUInt32LE(4);
      const fast = size < 60 && (ino.readUInt32LE(0x20) & 0x80000) === 0;
      const target = fast ? ino.toString('utf8', 0x28, 0x28 + size) : contents(next, name).data.toString('utf8');
      if (target.startsWith('/')) stack.length = 1;
      todo.unshift(...target.split('/').filter((p) => p !== ''));
      continue;
    }
    stack.push(next);
  }
  const { mode, data } = contents(stack[stack.length - 1]!, path);
  if ((mode & S_IFMT) !== S_IFREG) return undefined;
  return data;
}
