import { crc32 } from './crc32.ts';
import type { DiskReader } from './disk-reader.ts';

// GPT layout per UEFI 2.10 §5.2–5.3: protective MBR in LBA 0, header in LBA 1, entries
// after it; the backup header sits in the last LBA with its entries just before it.
export const SECTOR = 512;

/** Well-known partition type GUIDs, lower-case. */
export const PART_TYPE = Object.freeze({
  esp: 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b',
  linuxFs: '0fc63daf-8483-4772-8e79-3d69d8477de4',
  linuxRootX86_64: '4f68bce3-e8cd-4db1-96e7-fbcaf984b709',
  biosBoot: '21686148-6449-6e6f-744e-656564454649',
});

/** Formats 16 bytes of an on-disk GUID (first three fields little-endian) as text. */
export function guidToString(b: Buffer): string {
  const h = (x: Buffer) => x.toString('hex');
  const le = (s: number, e: number) => h(Buffer.from(b.subarray(s, e)).reverse());
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${h(b.subarray(8, 10))}-${h(b.subarray(10, 16))}`;
}

/** One used GPT entry. */
export type GptPartition = Readonly<{ index: number; typeGuid: string; guid: string; firstLba: number; lastLba: number; name: string; offset: number; size: number }>;

/** A decoded GPT header plus what its CRCs say. */
export type GptHeader = Readonly<{
  lba: number;
  headerCrcOk: boolean;
  entriesCrcOk: boolean;
  currentLba: number;
  backupLba: number;
  firstUsable: number;
  lastUsable: number;
  diskGuid: string;
  entriesLba: number;
  entryCount: number;
  entrySize: number;
  partitions: readonly GptPartition[];
  /** The raw header sector and entry array, kept so a repair can rewrite the other copy. */
  rawHeader: Buffer;
  rawEntries: Buffer;
  problems: readonly string[];
}>;

/** The protective MBR as found in LBA 0. */
export type Mbr = Readonly<{ signatureOk: boolean; protective: boolean; types: readonly number[] }>;

/** Decodes LBA 0: the 0x55AA signature and whether a 0xEE protective entry is there. */
export function parseMbr(sector: Buffer): Mbr {
  const signatureOk = sector.length >= 512 && sector[510] === 0x55 && sector[511] === 0xaa;
  const types: number[] = [];
  for (let i = 0; i < 4 && sector.length >= 512; i++) types.push(sector[446 + i * 16 + 4]!);
  return { signatureOk, protective: signatureOk && types.includes(0xee), types };
}

function safeU64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(v);
}

/**
 * Reads the GPT header at `lba` and its entry array; returns undefined when there is no
 * "EFI PART" signature there. Never throws for bad contents: problems are listed.
 */
export function readGptHeader(disk: DiskReader, lba: number): GptHeader | undefined {
  const totalLbas = Math.floor(disk.size / SECTOR);
  if (lba < 1 || lba >= totalLbas) return undefined;
  const raw = disk.read(lba * SECTOR, SECTOR);
  if (raw.toString('latin1', 0, 8) !== 'EFI PART') return undefined;
  const problems: string[] = [];
  const headerSize = raw.readUInt32LE(12);
  let headerCrcOk = false;
  if (headerSize < 92 || headerSize > SECTOR) {
    problems.push(`header size ${headerSize} is not within 92..512`);
  } else {
    const copy = Buffer.from(raw.subarray(0, headerSize));
    copy.writeUInt32LE(0, 16);
    headerCrcOk = crc32(copy) === raw.readUInt32LE(16);
    if (!headerCrcOk) problems.push(`header CRC32 mismatch (stored 0x${raw.readUInt32LE(16).toString(16)}, computed 0x${crc32(copy).toString(16)})`);
  }
  const currentLba = safeU64(raw, 24);
  const backupLba = safeU64(raw, 32);
  const firstUsable = safeU64(raw, 40);
  const lastUsable = safeU64(raw, 48);
  const entriesLba = safeU64(raw, 72);
  const entryCount = raw.readUInt32LE(80);
  const entrySize = raw.readUInt32LE(84);
  if (currentLba !== lba) problems.push(`header says it is at LBA ${currentLba}, found at ${lba}`);
  let rawEntries: Buffer = Buffer.alloc(0);
  let entriesCrcOk = false;
  const partitions: GptPartition[] = [];
  const bytes = entryCount * entrySize;
  if (entrySize < 128 || entrySize % 8 !== 0 || entrySize > 4096 || entryCount > 16384 || bytes > 4 * 1024 * 1024) {
    problems.push(`entry array of ${entryCount} × ${entrySize} bytes is implausible`);
  } else if (entriesLba < 1 || entriesLba * SECTOR + bytes > disk.size) {
    problems.push(`entry array at LBA ${entriesLba} lies outside the disk`);
  } else {
    rawEntries = disk.read(entriesLba * SECTOR, bytes);
    entriesCrcOk = crc32(rawEntries) === raw.readUInt32LE(88);
    if (!entriesCrcOk) problems.push('partition entry array CRC32 mismatch');
    for (let i = 0; i < entryCount; i++) {
      const e = rawEntries.subarray(i * entrySize, i * entrySize + entrySize);
      const typeGuid = guidToString(e.subarray(0, 16));
      if (typeGuid === '00000000-0000-0000-0000-000000000000') continue;
      const firstLba = safeU64(e, 32);
      const lastLba = safeU64(e, 40);
      const name = e.subarray(56, 128).toString('utf16le').replace(/\0.*$/s, '');
      if (firstLba < 0 || lastLba < firstLba || (lastLba + 1) * SECTOR > disk.size) {
        problems.push(`partition ${i + 1} spans LBA ${firstLba}..${lastLba}, outside the disk`);
        continue;
      }
      partitions.push({ index: i + 1, typeGuid, guid: guidToString(e.subarray(16, 32)), firstLba, lastLba, name, offset: firstLba * SECTOR, size: (lastLba - firstLba + 1) * SECTOR });
    }
  }
  return {
    lba, headerCrcOk, entriesCrcOk, currentLba, backupLba, firstUsable, lastUsable,
    diskGuid: guidToString(raw.subarray(56, 72)), entriesLba, entryCount, entrySize,
    partitions, rawHeader: raw, rawEntries, problems,
  };
}

/** The whole partition table: MBR, primary and backup GPT, and whether they agree. */
export type PartitionTable = Readonly<{
  mbr: Mbr;
  primary: GptHeader | undefined;
  backup: GptHeader | undefined;
  /** The copy to trust: the primary when valid, else the backup when valid. */
  partitions: readonly GptPartition[];
  agree: boolean;
}>;

/** Reads MBR, primary GPT (LBA 1) and backup GPT (the primary's backup LBA, else the last LBA). */
export function readPartitionTable(disk: DiskReader): PartitionTable {
  const mbr = parseMbr(disk.read(0, Math.min(SECTOR, disk.size)));
  const primary = readGptHeader(disk, 1);
  const lastLba = Math.floor(disk.size / SECTOR) - 1;
  const backupAt = primary !== undefined && primary.backupLba > 1 && primary.backupLba <= lastLba ? primary.backupLba : lastLba;
  let backup = readGptHeader(disk, backupAt);
  if (backup === undefined && backupAt !== lastLba) backup = readGptHeader(disk, lastLba);
  const valid = (g: GptHeader | undefined) => g !== undefined && g.headerCrcOk && g.entriesCrcOk;
  const chosen = valid(primary) ? primary : valid(backup) ? backup : undefined;
  const agree = valid(primary) && valid(backup) && primary!.rawEntries.equals(backup!.rawEntries) && primary!.diskGuid === backup!.diskGuid;
  return { mbr, primary, backup, partitions: chosen?.partitions ?? [], agree };
}

/**
 * Re-addresses a valid GPT copy so it can be written at another place, as UEFI 2.10
 * §5.3.2 describes for recovery: set its own and the other copy's LBA, point it at its
 * entry array, recompute the header CRC32 (the entry array and its CRC stay the same).
 */
export function relocateGpt(from: GptHeader, at: 'primary' | 'backup', lastLba: number): { header: Buffer; headerLba: number; entries: Buffer; entriesLba: number } {
  const header = Buffer.from(from.rawHeader);
  const entrySectors = Math.ceil(from.rawEntries.length / SECTOR);
  const headerLba = at === 'primary' ? 1 : lastLba;
  const entriesLba = at === 'primary' ? 2 : lastLba - entrySectors;
  header.writeBigUInt64LE(BigInt(headerLba), 24);
  header.writeBigUInt64LE(BigInt(at === 'primary' ? lastLba : 1), 32);
  header.writeBigUInt64LE(BigInt(entriesLba), 72);
  header.writeUInt32LE(0, 16);
  const size = header.readUInt32LE(12);
  header.writeUInt32LE(crc32(header.subarray(0, size)), 16);
  return { header, headerLba, entries: from.rawEntries, entriesLba };
}

/** A protective MBR for a disk of `totalLbas` sectors (UEFI 2.10 §5.2.3). */
export function protectiveMbr(totalLbas: number, bootCode?: Buffer): Buffer {
  const s = Buffer.alloc(SECTOR);
  if (bootCode !== undefined) bootCode.copy(s, 0, 0, 440);
  const e = 446;
  s[e + 1] = 0x00; s[e + 2] = 0x02; s[e + 3] = 0x00; // CHS of LBA 1
  s[e + 4] = 0xee;
  s[e + 5] = 0xff; s[e + 6] = 0xff; s[e + 7] = 0xff;
  s.writeUInt32LE(1, e + 8);
  s.writeUInt32LE(Math.min(totalLbas - 1, 0xffffffff), e + 12);
  s[510] = 0x55; s[511] = 0xaa;
  return s;
}
