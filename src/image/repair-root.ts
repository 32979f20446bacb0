import type { FstabLine } from './ext4.ts';
import { imageErrors } from './errors.ts';
import { matchSpec } from './inspect.ts';
import { lastLines, runToolSync, withTempFile } from '../core/index.ts';
import { openRegion } from './region.ts';
import { can, cannot, type RepairEnv, type RepairImpl } from './repair-env.ts';
import { debugfsCat, withOffset } from './tools.ts';
import { PART_TYPE } from './gpt.ts';
import { unknownMountOptions } from './mount-options.ts';

/** The root partition: the one inspection chose, else the first Linux filesystem partition. */
function rootPartition(env: RepairEnv) {
  const f = env.target.facts;
  return f.root ?? f.table?.partitions.find((p) => p.typeGuid === PART_TYPE.linuxFs || p.typeGuid === PART_TYPE.linuxRootX86_64);
}

/** e2fsck -p, then (after a second forensic snapshot) e2fsck -fy when -p leaves errors (exit 4). */
export const fsckRoot: RepairImpl = {
  precondition(env) {
    if (!env.problems.has('rootfs.state') && !env.problems.has('rootfs.superblock') && !env.problems.has('rootfs.fstab')) return cannot('the root filesystem is clean');
    if (rootPartition(env) === undefined) return cannot('no root partition found');
    return can('root filesystem needs a check');
  },
  run(env) {
    const root = rootPartition(env)!;
    const did: string[] = [];
    const region = openRegion(env.disk, env.format, root.offset, root.size);
    try {
      // e2fsck exit codes (e2fsck(8)): 0 clean, 1 fixed, 2 fixed + reboot, 4 left uncorrected, 8+ operational error.
      const p = withOffset(region.path, region.offset, (dev) => runToolSync('e2fsck', ['-p', dev], { check: false, timeoutMs: 600_000 }));
      did.push(`e2fsck -p exited ${p.code}: ${lastLines(p.stdout + p.stderr, 1)}`);
      if (p.code >= 4) {
        // For qcow2 the -p changes still sit in the region copy, so this snapshot holds the pre-fsck root.
        const snap = env.snapshot('before-e2fsck-y');
        did.push(`forensic snapshot before e2fsck -y: ${snap.kind} ${snap.ref}`);
        const y = withOffset(region.path, region.offset, (dev) => runToolSync('e2fsck', ['-fy', dev], { check: false, timeoutMs: 600_000 }));
        did.push(`e2fsck -fy exited ${y.code}: ${lastLines(y.stdout + y.stderr, 1)}`);
        if (y.code >= 4) throw imageErrors.make('IMAGE_REPAIR_FAILED', `e2fsck -fy could not repair the root filesystem (exit ${y.code}): ${lastLines(y.stdout + y.stderr)}`, { fix: `restore the disk from forensic snapshot ${snap.ref}, or from a backup` });
      }
      region.commit();
    } finally {
      region.dispose();
    }
    return did;
  },
};

/** Fixes one fstab line's fields in place: unknown options dropped; a dead device re-pointed (/ and /boot/efi) or made nofail. */
function fixFields(l: FstabLine, fields: string[], deadDevice: boolean, env: RepairEnv): { comments: string[]; notes: string[] } {
  const f = env.target.facts;
  const comments: string[] = [];
  const notes: string[] = [];
  while (fields.length < 4) fields.push('defaults');
  const bad = unknownMountOptions(l.type, l.options);
  if (bad.length > 0) {
    const kept = l.options.filter((o) => !bad.includes(o));
    fields[3] = kept.length > 0 ? kept.join(',') : 'defaults';
    comments.push(`# bootmedic: dropped unknown mount option(s) ${bad.join(', ')}`);
    notes.push(`line ${l.line}: ${l.mountpoint} drops unknown option(s) ${bad.join(', ')}`);
  }
  if (!deadDevice) return { comments, notes };
  if (l.mountpoint === '/' && f.rootSb !== undefined) {
    fields[0] = `UUID=${f.rootSb.uuid}`;
    notes.push(`line ${l.line}: / now mounts UUID=${f.rootSb.uuid} (was ${l.spec})`);
  } else if (l.type === 'vfat' && l.mountpoint === '/boot/efi' && f.fat !== undefined) {
    fields[0] = `UUID=${f.fat.volumeId}`;
    notes.push(`line ${l.line}: /boot/efi now mounts UUID=${f.fat.volumeId} (was ${l.spec})`);
  } else {
    fields[3] = `${fields[3]},nofail`;
    comments.push(`# bootmedic: nofail added, ${l.spec} matched no filesystem`);
    notes.push(`line ${l.line}: ${l.mountpoint} gets nofail (${l.spec} matches no filesystem)`);
  }
  return { comments, notes };
}

/** Fixes or disables (nofail) fstab lines whose device is gone, writing /etc/fstab back with debugfs. */
export const fixFstab: RepairImpl = {
  precondition(env) {
    const f = env.target.facts;
    if (f.fstabText === undefined || f.fstab === undefined) return cannot('/etc/fstab was not read');
    if (!['fstab.devices', 'fstab.options', 'rootfs.fstab'].some((c) => env.problems.has(c))) return cannot('fstab is fine');
    return can(`${f.badFstabLines.length} fstab line(s) name a missing device, ${f.badFstabOptions.length} carry unknown options`);
  },
  run(env) {
    const f = env.target.facts;
    const root = f.root!;
    const lines = f.fstabText!.split('\n');
    const notes: string[] = [];
    const byLine = new Map(f.fstab!.map((l) => [l.line, l]));
    const out = lines.map((raw, i) => {
      const l = byLine.get(i + 1);
      const t = raw.trim();
      if (l === undefined) {
        if (t === '' || t.startsWith('#')) return raw;
        notes.push(`line ${i + 1}: commented out (malformed: '${t}')`);
        return `# bootmedic: malformed, commented out: ${raw}`;
      }
      const dead = f.badFstabLines.some((b) => b.line === l.line) && !matchSpec(l.spec, f.filesystems);
      if (!dead && unknownMountOptions(l.type, l.options).length === 0) return raw;
      const fields = raw.trim().split(/\s+/);
      const r = fixFields(l, fields, dead, env);
      notes.push(...r.notes);
      return [...r.comments, fields.join('\t')].join('\n');
    });
    const text = out.join('\n');
    const region = openRegion(env.disk, env.format, root.offset, root.size);
    try {
      withTempFile(text, (tmp) => {
        const cmds = ['rm /etc/fstab', `write ${tmp} /etc/fstab`, 'sif /etc/fstab uid 0', 'sif /etc/fstab gid 0', 'sif /etc/fstab mode 0100644', ''].join('\n');
        const r = withOffset(region.path, region.offset, (dev) => runToolSync('debugfs', ['-w', '-f', '-', dev], { check: false, input: cmds, timeoutMs: 60_000 }));
        if (r.code !== 0 || /while|Filesystem not open|No free space/i.test(r.stderr.replace(/^debugfs \d.*$/m, ''))) {
          throw imageErrors.make('IMAGE_REPAIR_FAILED', `debugfs could not write /etc/fstab: ${lastLines(r.stderr)}`);
        }
      });
      const back = debugfsCat(region.path, region.offset, '/etc/fstab');
      if (back !== text) throw imageErrors.make('IMAGE_REPAIR_FAILED', '/etc/fstab read back differs from what was written');
      region.commit();
    } finally {
      region.dispose();
    }
    return notes;
  },
};
