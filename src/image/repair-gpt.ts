import { parseMbr, protectiveMbr, relocateGpt, SECTOR, type GptHeader } from './gpt.ts';
import { writeBytes } from './region.ts';
import { can, cannot, type RepairImpl } from './repair-env.ts';

const valid = (g: GptHeader | undefined): g is GptHeader => g !== undefined && g.problems.length === 0;

/** Rewrites the broken GPT copy from the good one, and the protective MBR when it is gone. */
export const rewriteGpt: RepairImpl = {
  precondition(env) {
    const t = env.target.facts.table;
    if (t === undefined) return cannot('the partition table was not read');
    const p = valid(t.primary);
    const b = valid(t.backup);
    if (!p && !b) return cannot('neither GPT copy is valid; the table must come from a backup of the disk');
    if (p && b && t.agree && t.mbr.protective) return cannot('the GPT and protective MBR are fine');
    return can(!p ? 'primary GPT damaged, backup valid' : !b ? 'backup GPT damaged, primary valid' : !t.agree ? 'GPT copies disagree; the primary wins (UEFI reads it first)' : 'protective MBR missing');
  },
  run(env) {
    const f = env.target.facts;
    const t = f.table!;
    const lastLba = Math.floor(f.size / SECTOR) - 1;
    const did: string[] = [];
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
