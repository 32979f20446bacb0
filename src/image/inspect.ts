import { isBootmedicError } from '../core/index.ts';
import { checkContainer, checkQemuImg, describeChain, type ChainInfo } from './container.ts';
import { sliceReader, type DiskReader } from './disk-reader.ts';
import { looksLikeExt4, readExt4Superblock, type Ext4Superblock, type FstabLine } from './ext4.ts';
import { openFat, type FatFs } from './fat.ts';
import { readPartitionTable, type GptPartition, type PartitionTable } from './gpt.ts';
import type { GrubConfig } from './grub-cfg.ts';
import { checkBiosBoot, compareLoaders, inspectEsp } from './inspect-boot.ts';
import { inspectRoot } from './inspect-root.ts';
import { openDisk } from './qcow2.ts';
import { CheckList, type InspectReport } from './report.ts';

export { matchSpec } from './inspect-root.ts';

/** A filesystem found on a partition, with the names fstab and GRUB may use for it. */
export type FoundFs = Readonly<{ partition: GptPartition; kind: 'ext4' | 'vfat'; uuid: string; label: string; sb: Ext4Superblock | undefined }>;

/** Everything inspection learnt about an image; repairs decide from it. */
export type ImageFacts = {
  path: string;
  format: 'raw' | 'qcow2';
  size: number;
  chain: ChainInfo[];
  table: PartitionTable | undefined;
  filesystems: FoundFs[];
  esp: GptPartition | undefined;
  fat: FatFs | undefined;
  grubCfgPath: string | undefined;
  /** The grub.cfg path the loader's embedded (grub-mkstandalone) config loads, if it has one. */
  stubConfigPath: string | undefined;
  grub: GrubConfig | undefined;
  /** Kernel and initrd paths that grub.cfg names but the ESP lacks or holds broken. */
  missingFiles: string[];
  /** Kernels present but not a whole bzImage (no boot header, or truncated). */
  badKernels: string[];
  badInitrds: string[];
  root: GptPartition | undefined;
  rootSb: Ext4Superblock | undefined;
  fstabText: string | undefined;
  fstab: FstabLine[] | undefined;
  /** fstab lines whose device matches no filesystem and lack nofail. */
  badFstabLines: FstabLine[];
  /** fstab lines with mount options their filesystem would reject. */
  badFstabOptions: FstabLine[];
  /** EFI executables whose SHA-256 differs from the golden ESP's (only when inspected with a golden image). */
  differingLoaders: LoaderDiff[];
};

/** An EFI executable on the ESP that differs from the golden image's copy. */
export type LoaderDiff = Readonly<{ path: string; sha256: string; goldenSha256: string }>;

/** Options of an inspection. */
export type InspectOptions = Readonly<{
  qemuImgCheck?: boolean;
  /** A known-good image of the same guest: the ESP's EFI executables are compared with its (esp.loader-digests). */
  from?: string | undefined;
}>;

/** analyzeImage's options: a golden image may be passed already open (repairs keep it open). */
export type AnalyzeOptions = InspectOptions & Readonly<{ golden?: OpenInspection | undefined }>;


/** An inspection whose reader stays open, so the FAT view in `facts` can still read files; close() it. */
export type OpenInspection = { report: InspectReport; facts: ImageFacts; reader: DiskReader | undefined; close(): void };

/**
 * Inspects a disk image with bootmedic's own parsers (plus debugfs for /etc/fstab and
 * qemu-img check for qcow2) and never writes to it.
 *
 * @example
 * const { report } = inspectImage('disk.qcow2');
 * if (!report.ok) for (const c of report.checks) if (c.status === 'problem') console.error(c.name, c.evidence);
 */
export function inspectImage(path: string, o: InspectOptions = {}): { report: InspectReport; facts: ImageFacts } {
  const r = analyzeImage(path, o);
  r.close();
  return { report: r.report, facts: r.facts };
}

/** Like inspectImage, but keeps the image open for reading files out of it (repairs use this). */
export function analyzeImage(path: string, o: AnalyzeOptions = {}): OpenInspection {
  if (o.golden === undefined && o.from !== undefined) {
    const golden = analyzeImage(o.from, { qemuImgCheck: false });
    try {
      return analyzeImage(path, { ...o, from: undefined, golden });
    } finally {
      golden.close();
    }
  }
  const checks = new CheckList();
  const chain = describeChain(path);
  const facts: ImageFacts = {
    path, format: chain[0]!.format, size: 0, chain, table: undefined, filesystems: [], esp: undefined, fat: undefined,
    grubCfgPath: undefined, stubConfigPath: undefined, grub: undefined, missingFiles: [], badKernels: [], badInitrds: [], root: undefined, rootSb: undefined,
    fstabText: undefined, fstab: undefined, badFstabLines: [], badFstabOptions: [], differingLoaders: [],
  };
  if (!checkContainer(chain, checks)) return { report: checks.report(), facts, reader: undefined, close() {} };
  if (facts.format === 'qcow2' && o.qemuImgCheck !== false) checkQemuImg(path, checks);
  const { reader } = openDisk(path);
  try {
    facts.size = reader.size;
    inspectDisk(reader, facts, checks, o.golden?.facts);
  } catch (e) {
    reader.close();
    throw e;
  }
  let closed = false;
  return { report: checks.report(), facts, reader, close: () => { if (!closed) reader.close(); closed = true; } };
}

function inspectDisk(disk: DiskReader, f: ImageFacts, checks: CheckList, golden: ImageFacts | undefined): void {
  const table = readPartitionTable(disk);
  f.table = table;
  const fixGpt = `bootmedic image repair ${f.path} (rewrites the primary GPT from the backup)`;
  if (table.mbr.protective) checks.ok('partition-table.mbr', 'protective MBR with a 0xEE entry');
  else checks.problem('partition-table.mbr', table.mbr.signatureOk ? `MBR has no 0xEE protective entry (types ${table.mbr.types.map((t) => '0x' + t.toString(16)).join(', ')})` : 'LBA 0 has no 0x55AA signature', fixGpt);
  const describe = (g: typeof table.primary) => g === undefined ? 'no "EFI PART" signature' : g.problems.length > 0 ? g.problems.join('; ') : `${g.partitions.length} partition(s), disk GUID ${g.diskGuid}, header and entry CRC32 ok`;
  const valid = (g: typeof table.primary) => g !== undefined && g.problems.length === 0;
  if (valid(table.primary)) checks.ok('partition-table.gpt-primary', `LBA 1: ${describe(table.primary)}`);
  else checks.problem('partition-table.gpt-primary', `LBA 1: ${describe(table.primary)}`, valid(table.backup) ? fixGpt : 'both GPT copies are damaged: restore the disk from a backup, or recreate the table with sfdisk using the golden image\'s layout');
  if (valid(table.backup)) checks.ok('partition-table.gpt-backup', `LBA ${table.backup!.lba}: ${describe(table.backup)}`);
  else checks.problem('partition-table.gpt-backup', `backup: ${describe(table.backup)}`, valid(table.primary) ? `rewrite it from the primary: 'sfdisk --relocate gpt-bak-std ${f.path}' on a raw copy` : 'restore the disk from a backup');
  if (valid(table.primary) && valid(table.backup)) {
    if (table.agree) checks.ok('partition-table.gpt-agree', 'primary and backup entry arrays are identical');
    else checks.problem('partition-table.gpt-agree', 'primary and backup GPT list different partitions', fixGpt);
  }
  if (table.partitions.length === 0) return;

  for (const p of table.partitions) {
    const part = sliceReader(disk, p.offset, p.size, `partition ${p.index}`);
    try {
      if (looksLikeExt4(part)) {
        const sb = readExt4Superblock(part, `partition ${p.index}`);
        f.filesystems.push({ partition: p, kind: 'ext4', uuid: sb.uuid, label: sb.label, sb });
      } else if (p.size >= 2048 && /FAT/.test(part.read(0, 512).toString('latin1', 54, 90))) {
        const fat = openFat(part);
        f.filesystems.push({ partition: p, kind: 'vfat', uuid: fat.volumeId, label: fat.label, sb: undefined });
      }
    } catch (e) {
      if (!isBootmedicError(e)) throw e;
    }
  }
  checkBiosBoot(disk, f, checks);
  inspectEsp(disk, f, checks);
  if (golden?.fat !== undefined) compareLoaders(f, golden.fat, golden.path, checks);
  inspectRoot(disk, f, checks);
}

