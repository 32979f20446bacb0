import type { VmSpec } from '../config/index.ts';
import { diffFingerprints, evidenceFromBootRecord, readHostState, type Evidence, type Fingerprint, type ImageLayer } from '../diagnose/index.ts';
import { checkImage } from '../hypervisor/index.ts';
import { analyzeImage } from '../image/index.ts';
import type { BootOutcome, SupervisorDeps } from '../supervisor/index.ts';
import { loadLastGood } from './vm-config.ts';

// Everything the diagnosis of one failed boot gets: the boot record (findings, phase,
// QEMU's exit and stderr, QMP events), what changed since the last good boot, the
// integrity of the disks (`qemu-img check`, and image/'s inspection of a disk the VM boots
// from) and the host's state.

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

/**
 * image/'s inspection checks by the layer of the boot chain they look at, bottom up. The root
 * file system comes before the root device grub.cfg names: the UUID lives in the superblock,
 * so a superblock that cannot be read also leaves the UUID matching nothing.
 */
const LAYERS: readonly (readonly [ImageLayer, RegExp])[] = [
  ['container', /^container\./],
  ['partition-table', /^partition-table\.|^esp\.(present|filesystem)$/],
  ['bootloader', /^(bios\.|grub-cfg\.|esp\.)/],
  ['kernel', /^boot\.kernel$/],
  ['initrd', /^boot\.initrd$/],
  ['rootfs', /^rootfs\.(superblock|state)$/],
  ['root-device', /^boot\.root-uuid$/],
  ['fstab', /^(fstab\.|rootfs\.fstab$)/],
];

/**
 * The lowest layer of the boot chain with a problem on the disk a VM boots from (`clean`
 * when inspection finds none); undefined for a VM that boots a kernel file (the tiny guest's
 * disk holds no system) or a disk inspection cannot open (`diskCheck` speaks for that).
 */
export function imageLayer(spec: VmSpec): ImageLayer | undefined {
  const disk = spec.disks[0];
  if (disk === undefined || spec.kernel !== undefined || spec.guest === 'tiny') return undefined;
  let a: ReturnType<typeof analyzeImage>;
  try {
    a = analyzeImage(disk.path, { qemuImgCheck: false });
  } catch {
    return undefined;
  }
  try {
    const bad = a.report.checks.filter((c) => c.status === 'problem').map((c) => c.name);
    if (bad.length === 0) return 'clean';
    return LAYERS.find(([, re]) => bad.some((n) => re.test(n)))?.[0];
  } finally {
    a.close();
  }
}

/** Builds the evidence of a failed or stalled boot of `spec` (the configuration that was booted). */
export async function evidenceFor(outcome: BootOutcome, spec: VmSpec, deps: SupervisorDeps, fingerprint: (s: VmSpec) => Promise<Fingerprint>): Promise<Evidence> {
  const lg = loadLastGood(deps.home, spec.name);
  const changes = lg === undefined ? undefined : diffFingerprints(lg.fingerprint, await fingerprint(spec));
  const diskCheck = await diskIntegrity(spec);
  const imageCheck = imageLayer(spec);
  let host: Evidence['host'];
  try {
    host = readHostState(deps.home);
  } catch {
    host = undefined;
  }
  return evidenceFromBootRecord({ ...outcome, memoryMiB: spec.memoryMiB }, `boot ${outcome.bootId}`, {
    ...(changes !== undefined ? { changes } : {}),
    ...(diskCheck !== undefined || imageCheck !== undefined ? { integrity: { ...(diskCheck !== undefined ? { diskCheck } : {}), ...(imageCheck !== undefined ? { imageCheck } : {}) } } : {}),
    ...(host !== undefined ? { host } : {}),
  });
}
