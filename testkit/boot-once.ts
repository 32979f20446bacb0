// One boot through bootmedic's own path (the hypervisor, the console, the signature engine
// and the phase tracker, driven by superviseVm) in a private home, for tests and benches
// that need a real boot's outcome and its console: the Debian builder's self-test boots
// its image this way, like every other VM.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VmSpec } from '../src/config/index.ts';
import type { Hypervisor } from '../src/hypervisor/index.ts';
import { superviseVm, type BootOutcome } from '../src/supervisor/index.ts';
import { exampleSpec } from './example-spec.ts';

/** Boots `spec` once (QEMU is stopped at the verdict) and returns the outcome and the raw console bytes; the home is removed after. */
export async function bootOnce(spec: VmSpec, o: { hypervisor: Hypervisor; signal?: AbortSignal }): Promise<{ outcome: BootOutcome; console: Buffer }> {
  const home = mkdtempSync(join(tmpdir(), 'bm-boot-once-'));
  try {
    const [outcome] = await superviseVm(spec, { hypervisor: o.hypervisor, home }, { mode: 'once', ...(o.signal ? { signal: o.signal } : {}) });
    if (outcome === undefined) throw new Error(`${spec.name}: the boot ended without an outcome`);
    return { outcome, console: readFileSync(outcome.consoleLog) };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** examples/debian.yaml (or debian-secureboot.yaml) booting the disk `image` itself (raw unless `format` says qcow2; through an overlay) under `firmware`, with a stall budget a loaded host does not trip. */
export function debianImageSpec(image: string, o: { firmware: 'uefi' | 'bios'; secureBoot?: boolean; name?: string; format?: 'raw' | 'qcow2' }): VmSpec {
  const file = o.secureBoot === true ? 'debian-secureboot.yaml' : 'debian.yaml';
  return exampleSpec(file, '/', { stallSeconds: 300, source: 'debian image self-test', over: { name: o.name ?? `debian-${o.firmware}-self-test`, guest: undefined, firmware: o.firmware, disks: [{ path: image, format: o.format ?? 'raw' }] } });
}
