import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { checkPath, copyGuarded, streamGuarded, writeFileAtomic } from '../../core/index.ts';
import type { DomainDisk } from './domain-edit.ts';
import { libvirtHealErrors } from './errors.ts';

// Disk-level helpers of healing through libvirt: which disks bootmedic can snapshot,
// restore or repair, copies that keep the owner and mode libvirt gave the original, and
// the digests of the last-known-good record.

/** A file-backed disk bootmedic can snapshot, copy and repair. */
export type FileDisk = Readonly<{ target: string; path: string; format: 'qcow2' | 'raw' }>;

/** The domain's disks as files bootmedic can handle; LIBVIRT_DISK_FORMAT_UNSUPPORTED names the first it cannot. */
export function handledDisks(domain: string, disks: readonly DomainDisk[]): FileDisk[] {
  return disks.map((d) => {
    if ((d.sourceType !== 'file' && d.sourceType !== 'block') || d.path === undefined) {
      throw libvirtHealErrors.make('LIBVIRT_DISK_FORMAT_UNSUPPORTED', `domain ${domain}: disk ${d.target} is a ${d.sourceType} disk; bootmedic snapshots, restores and repairs only file-backed qcow2 and raw disks`);
    }
    if (d.sourceType === 'block') {
      throw libvirtHealErrors.make('LIBVIRT_DISK_FORMAT_UNSUPPORTED', `domain ${domain}: disk ${d.target} (${d.path}) is a block device; bootmedic snapshots, restores and repairs only file-backed qcow2 and raw disks`);
    }
    if (d.format !== 'qcow2' && d.format !== 'raw') {
      throw libvirtHealErrors.make('LIBVIRT_DISK_FORMAT_UNSUPPORTED', `domain ${domain}: disk ${d.target} (${d.path}) is in format ${d.format}; bootmedic snapshots, restores and repairs only qcow2 and raw disks`);
    }
    return { target: d.target, path: d.path, format: d.format };
  });
}

/**
 * Copies `from` over `to` atomically and gives the copy the owner and mode `to` had (libvirt
 * chowns a disk to its QEMU user while the domain runs and back after; a copy made by root
 * must not leave a file QEMU cannot open). A file that was missing gets root's 0644.
 */
export function copyKeepingOwner(from: string, to: string, what: string): void {
  const before = existsSync(to) ? checkPath(to, { what, kind: 'disk' }) : undefined;
  copyGuarded(from, to, { what, kind: 'disk' });
  chownSync(to, before?.uid ?? 0, before?.gid ?? 0);
  chmodSync(to, (before?.mode ?? 0o644) & 0o7777);
}

/** Copies each disk into `dir` (created), keeping owner and mode; returns the copies by disk path. */
export function copyDisks(disks: readonly FileDisk[], dir: string): Record<string, string> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out: Record<string, string> = {};
  for (const d of disks) {
    const copy = join(dir, `${d.target}-${basename(d.path)}`);
    copyKeepingOwner(d.path, copy, `disk ${d.target} of the domain`);
    out[d.path] = copy;
  }
  writeFileAtomic(join(dir, 'copies.json'), `${JSON.stringify(out, null, 2)}\n`);
  return out;
}

/** The SHA-256 of a disk file (hex), streamed. */
export async function digestOf(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of streamGuarded(path, { what: 'disk', kind: 'disk' })) h.update(chunk as Buffer);
  return h.digest('hex');
}
