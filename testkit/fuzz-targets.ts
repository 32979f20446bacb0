// Every parser's fuzz target, for bench/fuzz.ts. Each part keeps its own targets beside
// its code (fuzz-*targets.ts); this list only gathers them.
import type { AnyFuzzTarget } from './fuzz.ts';
import { ext4Target, fatTarget, gptTarget, qcow2Target } from '../src/image/fuzz-disk-targets.ts';
import { vmSpecTarget, vmSpecValueTarget } from '../src/config/fuzz-targets.ts';
import { qmpTarget } from '../src/hypervisor/qemu/fuzz-targets.ts';
import { cleanLineTarget, lineSplitterTarget, signaturesTarget } from '../src/console/fuzz-targets.ts';
import { bzImageTarget, fstabTarget, grubCfgTarget, initrdTarget, memdiskTarget, zstdFrameTarget } from '../src/image/fuzz-file-targets.ts';

/** All fuzz targets, by name. */
export const allFuzzTargets: readonly AnyFuzzTarget[] = [
  gptTarget, fatTarget, ext4Target, qcow2Target,
  grubCfgTarget, memdiskTarget, initrdTarget, zstdFrameTarget, bzImageTarget, fstabTarget,
  lineSplitterTarget, cleanLineTarget, signaturesTarget,
  qmpTarget, vmSpecTarget, vmSpecValueTarget,
];
