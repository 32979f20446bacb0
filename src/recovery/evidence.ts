import type { VmSpec } from '../config/index.ts';
import { diffFingerprints, evidenceFromBootRecord, readHostState, type Evidence, type Fingerprint } from '../diagnose/index.ts';
import { checkImage } from '../hypervisor/index.ts';
import type { BootOutcome, SupervisorDeps } from '../supervisor/index.ts';
import { loadLastGood } from './vm-config.ts';

// Everything the diagnosis of one failed boot gets: the boot record (findings, phase,
// QEMU's exit and stderr, QMP events), what changed since the last good boot, the
// integrity of the disks (`qemu-img check`) and the host's state.

type DiskCheck = NonNullable<NonNullable<Evidence['integrity']>['diskCheck']>;
const WORSE: readonly DiskCheck[] = ['ok', 'leaks', 'corrupt', 'unreadable'];

/** `qemu-img check` of the VM's qcow2 disks: the worst verdict, or undefined without one. */
export async function diskIntegrity(spec: VmSpec): Promise<DiskCheck | undefined> {
  let worst: DiskCheck | undefined;
  for (const d of spec.disks.filter((x) => x.format === 'qcow2')) {
    let v: DiskCheck;
    try {
      const r = await checkImage(d.path, 'qcow2');
      v = r.corruptions > 0 || r.checkErrors > 0 ? 'corrupt' : r.leaks > 0 ? 'leaks' : r.ok ? 'ok' : 'corrupt';
    } catch {
      v = 'unreadable';
    }
    if (worst === undefined || WORSE.indexOf(v) > WORSE.indexOf(worst)) worst = v;
  }
  return worst;
}

/** Builds the evidence of a failed or stalled boot of `spec` (the configuration that was booted). */
export async function evidenceFor(outcome: BootOutcome, spec: VmSpec, deps: SupervisorDeps, fingerprint: (s: VmSpec) => Promise<Fingerprint>): Promise<Evidence> {
  const lg = loadLastGood(deps.home, spec.name);
  const changes = lg === undefined ? undefined : diffFingerprints(lg.fingerprint, await fingerprint(spec));
  const diskCheck = await diskIntegrity(spec);
  let host: Evidence['host'];
  try {
    host = readHostState(deps.home);
  } catch {
    host = undefined;
  }
  return evidenceFromBootRecord({ ...outcome, memoryMiB: spec.memoryMiB }, `boot ${outcome.bootId}`, {
    ...(changes !== undefined ? { changes } : {}),
    ...(diskCheck !== undefined ? { integrity: { diskCheck } } : {}),
    ...(host !== undefined ? { host } : {}),
  });
}
