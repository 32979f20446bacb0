import { parseMbr, protectiveMbr, relocateGpt, SECTOR, type GptHeader } from './gpt.ts';
import { writeBytes } from './region.ts';
import { sliceReader } from './disk-reader.ts';
import { looksLikeExt4 } from './ext4.ts';
import { can, cannot, type RepairEnv, type RepairImpl } from './repair-env.ts';

const valid = (g: GptHeader | undefined): g is GptHeader => g !== undefined && g.problems.length === 0;

/** Why the golden image's partition table cannot be laid over this disk, or undefined when it can. */
function goldenLayoutMismatch(env: RepairEnv): string | undefined {
  const g = env.golden;
  const gt = g?.facts.table;
  if (g?.reader === undefined || gt === undefined) return 'there is no golden image (--from) to take the table from';
  if (!valid(gt.primary) && !valid(gt.backup)) return 'the golden image has no valid GPT either';
  if (g.reader.size !== env.target.facts.size) return `the golden image is ${g.reader.size} bytes, this disk ${env.target.facts.size}`;
  const disk = env.target.reader!;
  for (const fs of g.facts.filesystems) {
    const part = sliceReader(disk, fs.partition.offset, fs.partition.size);
    const here = fs.kind === 'ext4' ? looksLikeExt4(part) : part.read(510, 2).equals(Buffer.from([0x55, 0xaa]));
    if (!here) return `no ${fs.kind} filesystem at partition ${fs.partition.index}'s offset ${fs.partition.offset} on this disk`;
  }
  if (g.facts.filesystems.length === 0) return 'the golden image shows no filesystem to match against';
  return undefined;
}

/** Rewrites the broken GPT copy from the good one, and the protective MBR when it is gone. */
export const rewriteGpt: RepairImpl = {
  precondition(env) {
    const t = env.target.facts.table;
    if (t === undefined) return cannot('the partition table was not read');
    const p = valid(t.primary);
    const b = valid(t.backup);
    if (!p && !b) {
      const why = goldenLayoutMismatch(env);
      return why === undefined ? can('both GPT copies are gone; the golden image has the same layout and the filesystems sit where its table says') : cannot(`neither GPT copy is valid, and ${why}`);
    }
    if (p && b && t.agree && t.mbr.protective) return cannot('the GPT and protective MBR are fine');
    return can(!p ? 'primary GPT damaged, backup valid' : !b ? 'backup GPT damaged, primary valid' : !t.agree ? 'GPT copies disagree; the primary wins (UEFI reads it first)' : 'protective MBR missing');
  },
  run(env) {
    const f = env.target.facts;
    const t = f.table!;
    const lastLba = Math.floor(f.size / SECTOR) - 1;
    const did: string[] = [];
    if (!valid(t.primary) && !valid(t.backup)) {
      // Both copies gone (the corpus gpt-wiped fault): take the golden image's table.
      const g = env.golden!.facts.table!;
      const src = valid(g.primary) ? g.primary : g.backup!;
      for (const at of ['primary', 'backup'] as const) {
        const r = relocateGpt(src, at, lastLba);
        writeBytes(env.disk, env.format, r.entriesLba * SECTOR, r.entries);
        writeBytes(env.disk, env.format, r.headerLba * SECTOR, r.header);
      }
      writeBytes(env.disk, env.format, 0, protectiveMbr(lastLba + 1, env.golden!.reader!.read(0, SECTOR)));
      return [`wrote both GPT copies and the protective MBR from the golden image's table (${src.partitions.length} partitions; the filesystems were found where it says)`];
    }
    const good = valid(t.primary) ? t.primary : t.backup!;
    if (!valid(t.primary)) {
      const r = relocateGpt(good, 'primary', lastLba);
      writeBytes(env.disk, env.format, r.entriesLba * SECTOR, r.entries);
      writeBytes(env.disk, env.format, r.headerLba * SECTOR, r.header);
      did.push(`wrote the primary GPT (LBA 1, entries at LBA ${r.entriesLba}) from the backup at LBA ${good.lba}`);
    } else if (!valid(t.backup) || !t.agree) {
      const r = relocateGpt(good, 'backup', lastLba);
      writeBytes(env.disk, env.format, r.entriesLba * SECTOR, r.entries);
      writeBytes(env.disk, env.format, r.headerLba * SECTOR, r.header);
      did.push(`wrote the backup GPT (LBA ${r.headerLba}, entries at LBA ${r.entriesLba}) from the primary`);
    }
    if (!t.mbr.protective) {
      // Keep boot code already in LBA 0 (a BIOS GRUB boot.img), else take the golden image's.
      const reader = env.target.reader!;
      const here = reader.read(0, SECTOR);
      const gr = env.golden?.reader;
      const gold = gr !== undefined && gr.size >= SECTOR ? gr.read(0, SECTOR) : undefined;
      const code = parseMbr(here).signatureOk ? here : gold !== undefined && parseMbr(gold).signatureOk ? gold : undefined;
      writeBytes(env.disk, env.format, 0, protectiveMbr(lastLba + 1, code));
      did.push(`wrote a protective MBR${code === undefined ? '' : code === here ? ' (boot code kept)' : ' (boot code from the golden image)'}`);
    }
    return did;
  },
};
