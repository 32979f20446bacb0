import { writeDifferences } from './region.ts';
import { can, cannot, type RepairImpl } from './repair-env.ts';

/** Makes the whole disk equal to the golden image; explicit only, since it drops the guest's writes. */
export const restoreDisk: RepairImpl = {
  precondition(env) {
    const g = env.golden;
    if (g?.reader === undefined) return cannot('needs a golden image (--from)');
    if (g.reader.size > env.target.facts.size) return cannot(`the golden image (${g.reader.size} bytes) is larger than the disk (${env.target.facts.size})`);
    return can('golden image fits the disk');
  },
  run(env) {
    const g = env.golden!.reader!;
    const written = writeDifferences(env.disk, env.format, 0, g.size, (at, len) => g.read(at, len));
    return [`made the disk equal to the golden image (${g.size} bytes): ${written} bytes differed`];
  },
};
