// The EFI system partition as a FAT32 file built with dosfstools and mtools: no loop
// device, no mount.
import { runTool } from '../../core/index.ts';
import { BUILD_ENV } from './build-env.ts';

/** One file to put on the ESP: host path → ESP path (e.g. /EFI/BOOT/BOOTX64.EFI). */
export type EspFile = { src: string; dest: string };

// mtools refuses some image geometries unless told not to check; the FAT is ours.
const MTOOLS_ENV = { ...BUILD_ENV, MTOOLS_SKIP_CHECK: '1' };

/** Creates `file` as a FAT32 filesystem of `sizeMiB` with volume id `volumeId` (8 hex) holding `files`. */
export async function makeEsp(file: string, sizeMiB: number, volumeId: string, files: readonly EspFile[], signal?: AbortSignal): Promise<void> {
  const sig = { env: BUILD_ENV, ...(signal ? { signal } : {}) };
  await runTool('mkfs.fat', ['-C', '-F', '32', '-i', volumeId, '-n', 'EFI', file, String(sizeMiB * 1024)], sig);
  const dirs = new Set<string>();
  for (const f of files) {
    const parts = f.dest.split('/').filter(Boolean).slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`/${parts.slice(0, i).join('/')}`);
  }
  const sorted = [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  if (sorted.length > 0) await runTool('mmd', ['-i', file, ...sorted.map((d) => `::${d}`)], { ...sig, env: MTOOLS_ENV });
  for (const f of files) await runTool('mcopy', ['-i', file, f.src, `::${f.dest}`], { ...sig, env: MTOOLS_ENV });
}
