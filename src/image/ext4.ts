import type { DiskReader } from './disk-reader.ts';
import { imageErrors } from './errors.ts';

// The ext2/3/4 superblock sits 1024 bytes into the filesystem (kernel
// Documentation/filesystems/ext4/super.rst); fields below are little-endian.
const EXT4_MAGIC = 0xef53;

/** The superblock fields inspection reports. */
export type Ext4Superblock = Readonly<{
  uuid: string;
  label: string;
  /** s_state bit 0: cleanly unmounted; bit 1: errors detected. */
  clean: boolean;
  hasErrors: boolean;
  errorCount: number;
  blockSize: number;
  blocksCount: number;
  mountCount: number;
  maxMountCount: number;
  featuresCompat: number;
  featuresIncompat: number;
  featuresRoCompat: number;
  /** Incompatible features this kernel-era ext4 does not know (bits outside the known set). */
  features: readonly string[];
}>;

const INCOMPAT = ['compression', 'filetype', 'needs_recovery', 'journal_dev', 'meta_bg', '', 'extent', '64bit', 'mmp', 'flex_bg', 'ea_inode', '', 'dirdata', 'metadata_csum_seed', 'large_dir', 'inline_data', 'encrypt', 'casefold'];

/** Formats 16 raw bytes as a UUID string (ext4 stores it big-endian, as text reads). */
export function uuidFromBytes(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** True when the partition carries the ext2/3/4 magic. */
export function looksLikeExt4(part: DiskReader): boolean {
  return part.size >= 2048 && part.read(1024 + 56, 2).readUInt16LE(0) === EXT4_MAGIC;
}

/** Decodes the primary superblock; IMAGE_BAD_EXT4 when the magic or geometry is wrong. */
export function readExt4Superblock(part: DiskReader, what = 'root filesystem'): Ext4Superblock {
  if (part.size < 2048) throw imageErrors.make('IMAGE_BAD_EXT4', `${what}: partition of ${part.size} bytes is too small for ext4`);
  const sb = part.read(1024, 1024);
  const magic = sb.readUInt16LE(56);
  if (magic !== EXT4_MAGIC) throw imageErrors.make('IMAGE_BAD_EXT4', `${what}: no ext4 superblock (magic 0x${magic.toString(16)}, want 0xef53)`);
  const logBlock = sb.readUInt32LE(24);
  if (logBlock > 6) throw imageErrors.make('IMAGE_BAD_EXT4', `${what}: block size 2^${10 + logBlock} is invalid`);
  const incompat = sb.readUInt32LE(96);
  const features: string[] = [];
  for (let bit = 0; bit < 32; bit++) if (incompat & (1 << bit)) features.push(INCOMPAT[bit] || `incompat-${bit}`);
  const state = sb.readUInt16LE(58);
  const blocksCount = sb.readUInt32LE(4) + (incompat & 0x80 ? sb.readUInt32LE(0x150) * 2 ** 32 : 0);
  return {
    uuid: uuidFromBytes(sb.subarray(104, 120)),
    label: sb.toString('latin1', 120, 136).replace(/\0.*$/s, ''),
    clean: (state & 1) === 1,
    hasErrors: (state & 2) === 2,
    errorCount: sb.readUInt32LE(0x194),
    blockSize: 1024 << logBlock,
    blocksCount,
    mountCount: sb.readUInt16LE(52),
    maxMountCount: sb.readInt16LE(54),
    featuresCompat: sb.readUInt32LE(92),
    featuresIncompat: incompat,
    featuresRoCompat: sb.readUInt32LE(100),
    features,
  };
}

/** One non-comment line of /etc/fstab. */
export type FstabLine = Readonly<{ line: number; text: string; spec: string; mountpoint: string; type: string; options: readonly string[]; pass: number }>;

/** Parses fstab(5) text; malformed lines are returned in `problems`, not thrown. */
export function parseFstab(text: string): { lines: FstabLine[]; problems: string[] } {
  const lines: FstabLine[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    const f = t.split(/\s+/);
    if (f.length < 3) {
      problems.push(`line ${i + 1}: '${t}' has fewer than 3 fields`);
      return;
    }
    const unesc = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    lines.push({ line: i + 1, text: raw, spec: unesc(f[0]!), mountpoint: unesc(f[1]!), type: f[2]!, options: (f[3] ?? 'defaults').split(','), pass: Number(f[5] ?? 0) || 0 });
  });
  return { lines, problems };
}
