import { PART_TYPE } from './gpt.ts';
import { writeBytes } from './region.ts';
import { can, cannot, type RepairImpl } from './repair-env.ts';

/** Copies the MBR boot code (bytes 0–439, the partition table stays) and the BIOS boot partition from the golden image. */
export const restoreBiosBoot: RepairImpl = {
  precondition(env) {
    const mine = env.target.facts.table?.partitions.find((p) => p.typeGuid === PART_TYPE.biosBoot);
    const g = env.golden;
    const theirs = g?.facts.table?.partitions.find((p) => p.typeGuid === PART_TYPE.biosBoot);
    if (mine === undefined) return cannot('no BIOS boot partition');
    if (g?.reader === undefined || theirs === undefined) return cannot('needs a golden image with a BIOS boot partition (--from)');
    if (theirs.size > mine.size) return cannot('the golden BIOS boot partition is larger than this one');
    return can('golden boot code and core image available');
  },
  run(env) {
    const g = env.golden!;
    const mine = env.target.facts.table!.partitions.find((p) => p.typeGuid === PART_TYPE.biosBoot)!;
    const theirs = g.facts.table!.partitions.find((p) => p.typeGuid === PART_TYPE.biosBoot)!;
    writeBytes(env.disk, env.format, 0, g.reader!.read(0, 440));
    writeBytes(env.disk, env.format, mine.offset, g.reader!.read(theirs.offset, theirs.size));
    return [`copied the boot code (LBA 0, bytes 0–439) and the BIOS boot partition (${theirs.size} bytes) from the golden image`];
  },
};
