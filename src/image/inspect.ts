import { isBootmedicError } from '../core/index.ts';
import { checkContainer, checkQemuImg, describeChain, type ChainInfo } from './container.ts';
import { sliceReader, type DiskReader } from './disk-reader.ts';
import { looksLikeExt4, parseFstab, readExt4Superblock, type Ext4Superblock, type FstabLine } from './ext4.ts';
import { openFat, type FatFs } from './fat.ts';
import { unknownMountOptions } from './mount-options.ts';
import { PART_TYPE, readPartitionTable, type GptPartition, type PartitionTable } from './gpt.ts';
import { parseGrubCfg, type GrubConfig } from './grub-cfg.ts';
import { memdiskConfig } from './grub-memdisk.ts';
import { inspectInitrd } from './initrd.ts';
import { kernelImageProblem } from './kernel-image.ts';
import { openDisk } from './qcow2.ts';
import { readExt4File } from './ext4-files.ts';
import { CheckList, type InspectReport } from './report.ts';
import { debugfsCat } from './tools.ts';

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
};

/** Options of an inspection. */
export type InspectOptions = Readonly<{ qemuImgCheck?: boolean }>;

const REPAIR = (p: string) => `bootmedic image repair ${p} --from <golden>`;
const GRUB_CFG_CANDIDATES = ['EFI/debian/grub.cfg', 'EFI/BOOT/grub.cfg', 'boot/grub/grub.cfg', 'grub/grub.cfg'];

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
export function analyzeImage(path: string, o: InspectOptions = {}): OpenInspection {
  const checks = new CheckList();
  const chain = describeChain(path);
  const facts: ImageFacts = {
    path, format: chain[0]!.format, size: 0, chain, table: undefined, filesystems: [], esp: undefined, fat: undefined,
    grubCfgPath: undefined, stubConfigPath: undefined, grub: undefined, missingFiles: [], badKernels: [], badInitrds: [], root: undefined, rootSb: undefined,
    fstabText: undefined, fstab: undefined, badFstabLines: [], badFstabOptions: [],
  };
  if (!checkContainer(chain, checks)) return { report: checks.report(), facts, reader: undefined, close() {} };
  if (facts.format === 'qcow2' && o.qemuImgCheck !== false) checkQemuImg(path, checks);
  const { reader } = openDisk(path);
  try {
    facts.size = reader.size;
    inspectDisk(reader, facts, checks);
  } catch (e) {
    reader.close();
    throw e;
  }
  let closed = false;
  return { report: checks.report(), facts, reader, close: () => { if (!closed) reader.close(); closed = true; } };
}

function inspectDisk(disk: DiskReader, f: ImageFacts, checks: CheckList): void {
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
  inspectRoot(disk, f, checks);
}

/** A BIOS-booting GPT disk needs GRUB's boot.img code in LBA 0 and its core image in the BIOS boot partition. */
function checkBiosBoot(disk: DiskReader, f: ImageFacts, checks: CheckList): void {
  const bb = f.table!.partitions.find((p) => p.typeGuid === PART_TYPE.biosBoot);
  if (bb === undefined) return;
  const code = disk.read(0, 440);
  const core = disk.read(bb.offset, Math.min(bb.size, 512));
  const problems: string[] = [];
  if (code.every((b) => b === 0)) problems.push('LBA 0 holds no boot code');
  if (core.every((b) => b === 0)) problems.push(`BIOS boot partition ${bb.index} is empty (no GRUB core image)`);
  if (problems.length > 0) checks.problem('bios.boot-code', problems.join('; '), `${REPAIR(f.path)} (copies the boot code and core image from the golden image)`);
  else checks.ok('bios.boot-code', `boot code in LBA 0${code.includes(Buffer.from('GRUB')) ? ' (GRUB)' : ''}, core image in partition ${bb.index}`);
}

function inspectEsp(disk: DiskReader, f: ImageFacts, checks: CheckList): void {
  const parts = f.table!.partitions;
  const esp = parts.find((p) => p.typeGuid === PART_TYPE.esp) ?? f.filesystems.find((x) => x.kind === 'vfat')?.partition;
  f.esp = esp;
  if (esp === undefined) {
    checks.problem('esp.present', `no EFI system partition among ${parts.length} partition(s)`, REPAIR(f.path));
    return;
  }
  checks.ok('esp.present', `partition ${esp.index} ("${esp.name}"), ${esp.size} bytes at offset ${esp.offset}`);
  try {
    const fat = openFat(sliceReader(disk, esp.offset, esp.size, 'ESP'));
    const files = fat.list();
    f.fat = fat;
    checks.ok('esp.filesystem', `${fat.type}, volume id ${fat.volumeId}, ${files.filter((x) => !x.isDir).length} file(s)`);
  } catch (e) {
    if (!isBootmedicError(e)) throw e;
    checks.problem('esp.filesystem', e.message, `${REPAIR(f.path)} (restores the whole ESP)`);
    return;
  }
  const fat = f.fat;
  const loader = fat.find('EFI/BOOT/BOOTX64.EFI');
  const biosBoot = f.table!.partitions.find((p) => p.typeGuid === PART_TYPE.biosBoot);
  if (loader === undefined && biosBoot !== undefined) {
    checks.ok('esp.fallback-loader', `no EFI/BOOT/BOOTX64.EFI: a BIOS-booting disk (BIOS boot partition ${biosBoot.index}); see bios.boot-code`);
  } else if (loader === undefined || loader.isDir || loader.size < 64) {
    checks.problem('esp.fallback-loader', loader === undefined ? 'EFI/BOOT/BOOTX64.EFI is missing' : `EFI/BOOT/BOOTX64.EFI is only ${loader.size} bytes`, `${REPAIR(f.path)} (restores the whole ESP)`);
  } else {
    const efi = fat.readFile('EFI/BOOT/BOOTX64.EFI');
    if (efi.toString('latin1', 0, 2) === 'MZ') {
      checks.ok('esp.fallback-loader', `EFI/BOOT/BOOTX64.EFI, ${loader.size} bytes, PE image`);
      checkLoaderConfig(efi, fat, f, checks);
    } else {
      checks.problem('esp.fallback-loader', 'EFI/BOOT/BOOTX64.EFI is not a PE image (no MZ header)', `${REPAIR(f.path)} (restores the whole ESP)`);
    }
  }
  // The loader's own config decides which grub.cfg is read; without one, the usual places.
  const candidates = f.stubConfigPath !== undefined ? [f.stubConfigPath] : GRUB_CFG_CANDIDATES;
  const cfgEntry = candidates.map((c) => fat.find(c)).find((e) => e !== undefined && !e.isDir) ?? (f.stubConfigPath === undefined ? fat.list().find((e) => !e.isDir && e.name.toLowerCase() === 'grub.cfg') : undefined);
  if (cfgEntry === undefined) {
    checks.problem('esp.grub-cfg', `no grub.cfg on the ESP (looked for ${candidates.join(', ')}${f.stubConfigPath !== undefined ? ', the file BOOTX64.EFI loads' : ''})`, REPAIR(f.path));
    return;
  }
  f.grubCfgPath = cfgEntry.path;
  checks.ok('esp.grub-cfg', `${cfgEntry.path}, ${cfgEntry.size} bytes`);
  const grub = parseGrubCfg(fat.readFile(cfgEntry.path).toString('utf8'));
  f.grub = grub;
  if (grub.problems.length > 0) checks.problem('grub-cfg.syntax', grub.problems.join('; '), `${REPAIR(f.path)} (restores or regenerates grub.cfg)`);
  else checks.ok('grub-cfg.syntax', 'braces and quotes balanced');
  const bootable = grub.entries.filter((e) => e.linux !== undefined);
  if (bootable.length === 0) {
    checks.problem('grub-cfg.entries', `${grub.entries.length} menu entries, none with a 'linux' command`, `${REPAIR(f.path)} (restores or regenerates grub.cfg)`);
    return;
  }
  checks.ok('grub-cfg.entries', bootable.map((e) => `'${e.title}': linux ${e.linux} ${e.args.join(' ')}; initrd ${e.initrds.join(' ') || '(none)'}`).join(' | '));
  checkBootFiles(f, fat, bootable, checks);
}

/**
 * Cross-checks the config grub-mkstandalone embedded in BOOTX64.EFI: the filesystem it
 * searches for must exist, and a `set prefix` must point at a directory holding the GRUB
 * modules (the corpus grub-wrong-prefix-module-not-found fault).
 */
function checkLoaderConfig(efi: Buffer, fat: FatFs, f: ImageFacts, checks: CheckList): void {
  const stub = memdiskConfig(efi);
  if (stub === undefined) return;
  const c = parseGrubCfg(stub);
  const issues: string[] = [...c.problems];
  const onEsp = c.searchUuid === undefined || c.searchUuid.toLowerCase() === fat.volumeId.toLowerCase();
  if (c.searchUuid !== undefined && !f.filesystems.some((x) => x.uuid.toLowerCase() === c.searchUuid!.toLowerCase())) {
    issues.push(`it searches for filesystem ${c.searchUuid}, which is not on this disk (the ESP is ${fat.volumeId})`);
  }
  if (onEsp && c.configfiles[0] !== undefined) f.stubConfigPath = c.configfiles[0].replace(/^\/+/, '');
  if (c.prefix !== undefined) {
    const dir = `${c.prefix.replace(/^\([^)]*\)/, '').replace(/\/+$/, '')}/x86_64-efi`;
    if (fat.find(dir) === undefined) issues.push(`it sets prefix=${c.prefix}, but ${dir} (GRUB's modules) is not on the ESP`);
  }
  const summary = `embedded config: ${stub.trim().split('\n').map((l) => l.trim()).filter((l) => l !== '').join('; ')}`;
  if (issues.length > 0) checks.problem('esp.loader-config', `${summary} — ${issues.join('; ')}`, `${REPAIR(f.path)} (restores the whole ESP, loader included)`);
  else checks.ok('esp.loader-config', summary);
}

function checkBootFiles(f: ImageFacts, fat: FatFs, entries: GrubConfig['entries'], checks: CheckList): void {
  const kernels = [...new Set(entries.map((e) => e.linux!))];
  const present = (p: string) => {
    const e = fat.find(p);
    return e !== undefined && !e.isDir && e.size > 0;
  };
  const missingK = kernels.filter((k) => !present(k));
  f.missingFiles.push(...missingK);
  const brokenK = kernels.filter((k) => present(k)).map((k) => ({ k, why: kernelImageProblem(fat.readFile(k)) })).filter((x) => x.why !== undefined);
  f.badKernels.push(...brokenK.map((x) => x.k));
  if (missingK.length > 0 || brokenK.length > 0) {
    checks.problem('boot.kernel', [...missingK.map((k) => `${k}: not on the ESP (or empty)`), ...brokenK.map((x) => `${x.k}: ${x.why}`)].join('; '), `${REPAIR(f.path)} (copies the kernel from the golden image)`);
  } else {
    checks.ok('boot.kernel', kernels.map((k) => `${k} (${fat.find(k)!.size} bytes, bzImage header whole)`).join(', '));
  }
  const initrds = [...new Set(entries.flatMap((e) => e.initrds))];
  const bad: string[] = [];
  const good: string[] = [];
  for (const i of initrds) {
    if (!present(i)) {
      bad.push(`${i}: missing`);
      f.missingFiles.push(i);
      continue;
    }
    try {
      const info = inspectInitrd(fat.readFile(i), i);
      if (info.hasInit) good.push(`${i}: ${info.segments.join('+')} ${info.listedAll ? 'unpacks' : 'passes zstd -t'}, ${info.listedAll ? '' : '≥'}${info.files} files, /init present`);
      else {
        bad.push(`${i}: no /init among ${info.files} files`);
        f.badInitrds.push(i);
      }
    } catch (e) {
      if (!isBootmedicError(e)) throw e;
      bad.push(e.message);
      f.badInitrds.push(i);
    }
  }
  if (initrds.length === 0) checks.problem('boot.initrd', 'no menu entry loads an initrd', `${REPAIR(f.path)} (regenerates grub.cfg)`);
  else if (bad.length > 0) checks.problem('boot.initrd', bad.join('; '), `${REPAIR(f.path)} (copies the initrd from the golden image)`);
  else checks.ok('boot.initrd', good.join('; '));
  const roots = [...new Set(entries.map((e) => e.root ?? ''))];
  const known = (spec: string) => matchSpec(spec, f.filesystems);
  const wrong = roots.filter((r) => r === '' || (r.startsWith('UUID=') || r.startsWith('PARTUUID=') ? !known(r) : false));
  if (wrong.length > 0) checks.problem('boot.root-uuid', `root= ${wrong.map((r) => r || '(absent)').join(', ')} matches no filesystem; filesystems: ${f.filesystems.map((x) => `${x.kind} ${x.uuid}`).join(', ')}`, `${REPAIR(f.path)} (rewrites grub.cfg with the real root UUID)`);
  else checks.ok('boot.root-uuid', roots.map((r) => `root=${r}`).join(', ') + ' matches a filesystem');
}

/** True when an fstab/kernel device spec (UUID=, PARTUUID=, LABEL=, PARTLABEL=) names a filesystem found. */
export function matchSpec(spec: string, fss: readonly FoundFs[]): boolean {
  const eq = spec.indexOf('=');
  const key = spec.slice(0, eq).toUpperCase();
  const val = spec.slice(eq + 1).replace(/^"|"$/g, '').toLowerCase();
  switch (key) {
    case 'UUID': return fss.some((x) => x.uuid.toLowerCase() === val);
    case 'PARTUUID': return fss.some((x) => x.partition.guid === val) || false;
    case 'LABEL': return fss.some((x) => x.label.toLowerCase() === val);
    case 'PARTLABEL': return fss.some((x) => x.partition.name.toLowerCase() === val);
    default: return true; // /dev names and the like cannot be checked offline
  }
}

function inspectRoot(disk: DiskReader, f: ImageFacts, checks: CheckList): void {
  const rootSpec = f.grub?.entries.find((e) => e.root !== undefined)?.root;
  const byUuid = rootSpec?.startsWith('UUID=') ? f.filesystems.find((x) => x.kind === 'ext4' && x.uuid === rootSpec.slice(5).toLowerCase()) : undefined;
  const ext4 = byUuid ?? f.filesystems.find((x) => x.kind === 'ext4');
  const linuxParts = f.table!.partitions.filter((p) => p.typeGuid === PART_TYPE.linuxFs || p.typeGuid === PART_TYPE.linuxRootX86_64);
  const root = ext4?.partition ?? linuxParts[0];
  f.root = root;
  if (root === undefined) {
    checks.problem('rootfs.superblock', 'no Linux filesystem partition found', 'restore the disk from a backup');
    return;
  }
  let sb: Ext4Superblock;
  try {
    sb = readExt4Superblock(sliceReader(disk, root.offset, root.size, 'root'), `root (partition ${root.index})`);
  } catch (e) {
    if (!isBootmedicError(e)) throw e;
    checks.problem('rootfs.superblock', e.message, `bootmedic image repair ${f.path} (runs e2fsck, which falls back to a backup superblock)`);
    return;
  }
  f.rootSb = sb;
  checks.ok('rootfs.superblock', `partition ${root.index}: ext4 UUID ${sb.uuid}, label '${sb.label}', ${sb.blockSize}-byte blocks, features ${sb.features.join(',')}`);
  const recovering = sb.features.includes('needs_recovery');
  if (sb.hasErrors || sb.errorCount > 0 || (!sb.clean && !recovering)) {
    checks.problem('rootfs.state', `state ${sb.clean ? 'clean' : 'not clean'}${sb.hasErrors ? ', errors detected' : ''}, error count ${sb.errorCount}`, `bootmedic image repair ${f.path} (runs e2fsck -p, then -y)`);
  } else {
    checks.ok('rootfs.state', `${sb.clean ? 'clean' : 'journal replay pending (normal after a hard stop)'}, error count 0, mounted ${sb.mountCount} time(s)`);
  }
  try {
    // Raw images: debugfs reads the file in place. qcow2: our own ext4 reader, because
    // debugfs would need the whole partition copied out of the container first.
    f.fstabText = f.format === 'raw' ? debugfsCat(f.path, root.offset, '/etc/fstab') : readExt4File(sliceReader(disk, root.offset, root.size, 'root'), '/etc/fstab')?.toString('utf8');
  } catch (e) {
    if (!isBootmedicError(e)) throw e;
    checks.problem('rootfs.fstab', e.message, `bootmedic image repair ${f.path} (runs e2fsck)`);
    return;
  }
  if (f.fstabText === undefined) {
    checks.ok('rootfs.fstab', '/etc/fstab is absent (nothing to mount besides the root)');
    return;
  }
  const { lines, problems } = parseFstab(f.fstabText);
  f.fstab = lines;
  if (problems.length > 0) checks.problem('rootfs.fstab', `/etc/fstab: ${problems.join('; ')}`, `bootmedic image repair ${f.path} (comments out malformed lines)`);
  else checks.ok('rootfs.fstab', `/etc/fstab: ${lines.length} entr${lines.length === 1 ? 'y' : 'ies'}`);
  const badOpts = lines.map((l) => ({ l, bad: unknownMountOptions(l.type, l.options) })).filter((x) => x.bad.length > 0);
  f.badFstabOptions = badOpts.map((x) => x.l);
  if (badOpts.length > 0) checks.problem('fstab.options', badOpts.map((x) => `line ${x.l.line} (${x.l.mountpoint}, ${x.l.type}): unknown option${x.bad.length > 1 ? 's' : ''} ${x.bad.join(', ')}`).join('; '), `bootmedic image repair ${f.path} (drops the unknown options)`);
  else checks.ok('fstab.options', 'every ext4 and vfat mount option is known');
  const unchecked = new Set(['none', 'swap', 'tmpfs', 'proc', 'sysfs']);
  f.badFstabLines = lines.filter((l) => !unchecked.has(l.type) && l.spec.includes('=') && !matchSpec(l.spec, f.filesystems) && !l.options.includes('nofail') && !l.options.includes('noauto'));
  if (f.badFstabLines.length > 0) {
    checks.problem('fstab.devices', f.badFstabLines.map((l) => `line ${l.line}: ${l.spec} (${l.mountpoint}) matches no filesystem and has no nofail`).join('; '), `bootmedic image repair ${f.path} (fixes the UUID or adds nofail)`);
  } else {
    checks.ok('fstab.devices', lines.map((l) => `${l.spec} → ${l.mountpoint}`).join(', ') || 'no entries');
  }
}
