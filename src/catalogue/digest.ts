import { createHash } from 'node:crypto';
import { closeSync, fstatSync, readSync } from 'node:fs';
import { openGuarded } from '../core/index.ts';
import { openDisk, openFat, parseGrubCfg, PART_TYPE, readPartitionTable, sliceReader, type FatFs } from '../image/index.ts';
import type { ArtefactDigest } from '../store/index.ts';

const CHUNK = 4 << 20;

/** SHA-256 of a whole file (the container as stored: raw bytes or the qcow2 file). */
export function sha256File(path: string): string {
  const h = createHash('sha256');
  const { fd } = openGuarded(path, { what: 'disk image', kind: 'disk' });
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    const size = fstatSync(fd).size;
    for (let off = 0; off < size; ) {
      const n = readSync(fd, buf, 0, Math.min(CHUNK, size - off), off);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      off += n;
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// Where a Debian ESP keeps grub.cfg; the same order image inspection falls back on.
const GRUB_CFG_PLACES = ['EFI/debian/grub.cfg', 'EFI/BOOT/grub.cfg', 'boot/grub/grub.cfg'];

/**
 * The SHA-256 of each boot artefact on the image's ESP: the UEFI fallback loader, grub.cfg,
 * and the kernel and initrd(s) of grub.cfg's first entry. Artefacts that are absent are
 * left out (an image without an ESP yields none); a broken container throws IMAGE_*.
 */
export function artefactDigests(path: string): ArtefactDigest[] {
  const { reader } = openDisk(path);
  try {
    const table = readPartitionTable(reader);
    const esp = table.partitions.find((p) => p.typeGuid === PART_TYPE.esp) ?? table.partitions[0];
    if (esp === undefined) return [];
    let fat: FatFs;
    try {
      fat = openFat(sliceReader(reader, esp.offset, esp.size, 'ESP'));
    } catch {
      return []; // not FAT: no ESP artefacts to fingerprint
    }
    const out: ArtefactDigest[] = [];
    const take = (kind: ArtefactDigest['kind'], p: string) => {
      const clean = p.replace(/^\/+/, '');
      const e = fat.find(clean);
      if (e === undefined || e.isDir) return;
      const bytes = fat.readFile(clean);
      out.push({ kind, path: '/' + e.path, size: bytes.length, sha256: sha(bytes) });
    };
    take('loader', 'EFI/BOOT/BOOTX64.EFI');
    const cfgPath = GRUB_CFG_PLACES.find((p) => fat.find(p) !== undefined) ?? fat.list().find((e) => !e.isDir && e.name.toLowerCase() === 'grub.cfg')?.path;
    if (cfgPath !== undefined) {
      take('grub.cfg', cfgPath);
      const entry = parseGrubCfg(fat.readFile(cfgPath).toString('utf8')).entries[0];
      if (entry?.linux !== undefined) take('kernel', entry.linux);
      for (const i of entry?.initrds ?? []) take('initrd', i);
    }
    return out;
  } finally {
    reader.close();
  }
}
