// Inspection of the root filesystem: the ext4 superblock and /etc/fstab.
import { isBootmedicError } from '../core/index.ts';
import { sliceReader, type DiskReader } from './disk-reader.ts';
import { readExt4File } from './ext4-files.ts';
import { parseFstab, readExt4Superblock, type Ext4Superblock } from './ext4.ts';
import { PART_TYPE } from './gpt.ts';
import type { FoundFs, ImageFacts } from './inspect.ts';
import { unknownMountOptions } from './mount-options.ts';
import type { CheckList } from './report.ts';
import { debugfsCat } from './tools.ts';

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

/** Adds the root filesystem and fstab checks. */
export function inspectRoot(disk: DiskReader, f: ImageFacts, checks: CheckList): void {
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
