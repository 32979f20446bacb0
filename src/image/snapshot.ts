import { constants, copyFileSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { checkPath } from '../core/index.ts';
import { imageErrors } from './errors.ts';
import { runToolSync } from '../core/index.ts';

/** A forensic snapshot taken before a repair writes anything. */
export type ForensicSnapshot = Readonly<{
  /** `qcow2-internal`: a `qemu-img snapshot -c` inside the image; `copy`: a reflinked or plain copy of a raw image. */
  kind: 'qcow2-internal' | 'copy';
  /** The snapshot name (qcow2) or the copy's path (raw). */
  ref: string;
  takenAt: string;
  reason: string;
}>;

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/**
 * Takes a forensic snapshot of a disk: for qcow2 an internal snapshot (cheap, kept in the
 * file, restored with `qemu-img snapshot -a`); for raw a copy beside the image (or in
 * `dir`) that shares blocks when the filesystem can reflink (COPYFILE_FICLONE).
 */
export function takeSnapshot(disk: string, format: 'raw' | 'qcow2', reason: string, o: { dir?: string | undefined; now?: Date } = {}): ForensicSnapshot {
  const now = o.now ?? new Date();
  const takenAt = now.toISOString();
  // qemu-img and copyFileSync would both block on a FIFO: check the disk first.
  checkPath(disk, { what: 'disk image', kind: 'disk', missing: (m) => imageErrors.make('IMAGE_NOT_FOUND', m) });
  if (format === 'qcow2') {
    const name = `bootmedic-${stamp(now)}-${reason.replace(/[^\w-]+/g, '-')}`.slice(0, 120);
    runToolSync('qemu-img', ['snapshot', '-c', name, disk], { timeoutMs: 300_000 });
    return { kind: 'qcow2-internal', ref: name, takenAt, reason };
  }
  const dir = o.dir ?? dirname(disk);
  const ref = join(dir, `${basename(disk)}.${stamp(now)}.${reason.replace(/[^\w-]+/g, '-')}.snapshot`);
  try {
    mkdirSync(dir, { recursive: true });
    copyFileSync(disk, ref, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
  } catch (cause) {
    throw imageErrors.make('IMAGE_REPAIR_FAILED', `forensic snapshot of ${disk} to ${ref} failed: ${(cause as Error).message}; nothing was changed`, { cause, fix: 'Free disk space or pass --snapshot-dir on a filesystem with room.' });
  }
  return { kind: 'copy', ref, takenAt, reason };
}
