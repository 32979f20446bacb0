// Assembles the GPT disk from partition images: sfdisk writes the partition table into a
// sparse file, then each partition image is copied in at its offset with positioned
// writes (dd-like, skipping all-zero blocks so the file stays sparse). For BIOS, GRUB's
// boot.img goes into the MBR boot code and core.img into the BIOS boot partition.
import { closeSync, ftruncateSync, openSync, readSync, writeSync, fstatSync } from 'node:fs';
import { runTool } from '../../core/index.ts';
import { BUILD_ENV } from './build-env.ts';

const SECTOR = 512;
const MiB = 1 << 20;
const MiB_SECTORS = MiB / SECTOR;
const ZERO_BLOCK = Buffer.alloc(4096);

/** GPT partition type GUIDs (UEFI 2.10 §5.3.3 and the Discoverable Partitions Specification). */
export const GPT_TYPES = {
  esp: 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B',
  linux: '0FC63DAF-8483-4772-8E79-3D69D8477DE4',
  biosBoot: '21686148-6449-6E6F-744E-656564454649',
} as const;

/** One partition of the layout, in 512-byte sectors. */
export type Partition = { number: number; name: string; type: string; uuid: string; start: number; sectors: number; image?: string };

/** The whole disk: partitions plus the disk size in sectors. */
export type DiskLayout = { diskGuid: string; partitions: Partition[]; totalSectors: number };

/** Lays out ESP (1), root (2) and, for BIOS, a BIOS boot partition (3) after the root, 1 MiB aligned. */
export function planLayout(o: { diskGuid: string; espMiB: number; rootMiB: number; biosBootMiB?: number; uuids: { esp: string; root: string; biosBoot: string } }): DiskLayout {
  const parts: Partition[] = [];
  let at = MiB_SECTORS;
  parts.push({ number: 1, name: 'EFI system partition', type: GPT_TYPES.esp, uuid: o.uuids.esp, start: at, sectors: o.espMiB * MiB_SECTORS });
  at += o.espMiB * MiB_SECTORS;
  parts.push({ number: 2, name: 'root', type: GPT_TYPES.linux, uuid: o.uuids.root, start: at, sectors: o.rootMiB * MiB_SECTORS });
  at += o.rootMiB * MiB_SECTORS;
  if (o.biosBootMiB !== undefined) {
    parts.push({ number: 3, name: 'BIOS boot', type: GPT_TYPES.biosBoot, uuid: o.uuids.biosBoot, start: at, sectors: o.biosBootMiB * MiB_SECTORS });
    at += o.biosBootMiB * MiB_SECTORS;
  }
  // One spare MiB at the end holds the backup GPT (33 sectors) and keeps the size aligned.
  return { diskGuid: o.diskGuid, partitions: parts, totalSectors: at + MiB_SECTORS };
}

/** The sfdisk script (sfdisk(8) "input format") for a layout. */
export function sfdiskScript(l: DiskLayout): string {
  const lines = ['label: gpt', `label-id: ${l.diskGuid}`, 'unit: sectors', 'first-lba: 34', ''];
  for (const p of l.partitions) lines.push(`start=${p.start}, size=${p.sectors}, type=${p.type}, uuid=${p.uuid}, name="${p.name}"`);
  return `${lines.join('\n')}\n`;
}

/** Copies `src` into the open disk `fd` at byte `offset`, leaving holes where `src` is all zeros. Returns bytes copied. */
export function copyInto(fd: number, src: string, offset: number, maxBytes: number): number {
  const inFd = openSync(src, 'r');
  try {
    const size = fstatSync(inFd).size;
    if (size > maxBytes) throw new RangeError(`${src} is ${size} bytes, larger than its partition (${maxBytes})`);
    const buf = Buffer.alloc(MiB);
    let pos = 0;
    while (pos < size) {
      const n = readSync(inFd, buf, 0, Math.min(MiB, size - pos), pos);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      // 4 KiB granularity: a block of zeros is left as a hole in the sparse disk file.
      for (let b = 0; b < n; b += 4096) {
        const piece = chunk.subarray(b, Math.min(b + 4096, n));
        if (!(piece.length === ZERO_BLOCK.length ? piece.equals(ZERO_BLOCK) : piece.every((x) => x === 0))) writeSync(fd, piece, 0, piece.length, offset + pos + b);
      }
      pos += n;
    }
    return size;
  } finally {
    closeSync(inFd);
  }
}

/** Creates the sparse disk file `out`, writes the GPT with sfdisk, then copies each partition image in. */
export async function assembleDisk(out: string, layout: DiskLayout, signal?: AbortSignal): Promise<void> {
  const fd = openSync(out, 'w');
  try {
    ftruncateSync(fd, layout.totalSectors * SECTOR);
  } finally {
    closeSync(fd);
  }
  await runTool('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', out], { env: BUILD_ENV, input: sfdiskScript(layout), ...(signal ? { signal } : {}) });
  const w = openSync(out, 'r+');
  try {
    for (const p of layout.partitions) if (p.image !== undefined) copyInto(w, p.image, p.start * SECTOR, p.sectors * SECTOR);
  } finally {
    closeSync(w);
  }
}

/**
 * Installs GRUB for BIOS the way grub-bios-setup does, with positioned writes: boot.img's
 * first 440 bytes into the MBR (the GPT's protective partition entry stays), core.img
 * into the BIOS boot partition, and the two sector pointers patched (GRUB 2.06
 * include/grub/i386/pc/boot.h: kernel sector at 0x5c, drive check at 0x66; the
 * diskboot blocklist at the end of core.img's first sector).
 */
export function installBiosGrub(disk: string, bootImg: string, coreImg: string, biosPart: Partition): void {
  const boot = Buffer.alloc(SECTOR);
  const bfd = openSync(bootImg, 'r');
  try {
    readSync(bfd, boot, 0, SECTOR, 0);
  } finally {
    closeSync(bfd);
  }
  boot.writeBigUInt64LE(BigInt(biosPart.start), 0x5c);
  // Replace the jump over the "buggy BIOS" drive fix-up with NOPs, as grub-bios-setup does for hard disks.
  boot[0x66] = 0x90;
  boot[0x67] = 0x90;
  const cfd = openSync(coreImg, 'r');
  let core: Buffer;
  try {
    const size = fstatSync(cfd).size;
    core = Buffer.alloc(Math.ceil(size / SECTOR) * SECTOR);
    readSync(cfd, core, 0, size, 0);
  } finally {
    closeSync(cfd);
  }
  if (core.length > biosPart.sectors * SECTOR) throw new RangeError(`core.img (${core.length} bytes) does not fit the BIOS boot partition`);
  // diskboot.img's first blocklist entry: start LBA (u64) at 0x1f4, length (u16) at 0x1fc.
  core.writeBigUInt64LE(BigInt(biosPart.start + 1), 0x1f4);
  core.writeUInt16LE(core.length / SECTOR - 1, 0x1fc);
  const fd = openSync(disk, 'r+');
  try {
    writeSync(fd, boot, 0, 440, 0);
    writeSync(fd, core, 0, core.length, biosPart.start * SECTOR);
  } finally {
    closeSync(fd);
  }
}
