// Admission before a boot, as a pure decision over figures: a VM whose memory plus a headroom
// does not fit the host's available memory is refused, with the figures in the reason. The
// heal that adds memory asks the same question (growth).

/** What a boot asks for. */
export type AdmissionRequest = Readonly<{ vm: string; memoryMiB: number; headroomMiB: number }>;

/** The host's memory as admission sees it, in MiB. */
export type HostMemory = Readonly<{
  /** MemAvailable (/proc/meminfo). */
  availableMiB: number;
  /** Memory that running guaranteed VMs bootmedic launched have reserved and not yet touched. */
  reservedMiB: number;
  /** MemTotal, when known: a VM that needs more can never fit, so a queue refuses it at once. */
  totalMiB?: number;
}>;

/** The answer: admitted (with what is left), or refused with the reason and its figures. */
export type Admission =
  | Readonly<{ type: 'admit'; needMiB: number; haveMiB: number; leftMiB: number }>
  | Readonly<{ type: 'refuse'; needMiB: number; haveMiB: number; reason: string }>;

const mib = (x: number) => `${Math.floor(x)} MiB`;

/** What the host can give a new VM: available less reserved (never below zero). */
export const usableMiB = (host: HostMemory): number => Math.max(0, Math.floor(host.availableMiB - host.reservedMiB));

/** "host has 3100 MiB available" (with the reservation spelt out when there is one). */
function hostFigures(host: HostMemory): string {
  const have = usableMiB(host);
  return host.reservedMiB > 0 ? `host has ${mib(have)} available (${mib(host.availableMiB)} MemAvailable less ${mib(host.reservedMiB)} reserved by running guaranteed VMs)` : `host has ${mib(have)} available`;
}

/**
 * Admits a boot when its memory plus headroom fits what the host can give; else refuses,
 * naming the figures ("VM big needs 4096 MiB + 256 MiB headroom, host has 3100 MiB available").
 * Pure.
 */
export function admit(req: AdmissionRequest, host: HostMemory): Admission {
  const needMiB = req.memoryMiB + req.headroomMiB;
  const haveMiB = usableMiB(host);
  if (Number.isFinite(needMiB) && needMiB <= haveMiB) return { type: 'admit', needMiB, haveMiB, leftMiB: haveMiB - needMiB };
  return { type: 'refuse', needMiB, haveMiB, reason: `VM ${req.vm} needs ${mib(req.memoryMiB)} + ${mib(req.headroomMiB)} headroom, ${hostFigures(host)}` };
}

/** What a heal that adds memory may do: grow to `memoryMiB` (maybe less than wanted, said in `capped`), or nothing. */
export type Growth =
  | Readonly<{ type: 'grow'; memoryMiB: number; capped?: string }>
  | Readonly<{ type: 'refuse'; reason: string }>;

/**
 * The memory a heal may give a VM that has `currentMiB` and wants `wantedMiB` (at most
 * `maxMiB`): the most that still passes admission, when that is more than it has. The VM's
 * own memory in use is not counted back (its QEMU may still run), so the answer is on the
 * safe side. Pure.
 */
export function growMemory(req: Readonly<{ vm: string; currentMiB: number; wantedMiB: number; maxMiB: number; headroomMiB: number }>, host: HostMemory): Growth {
  const wanted = Math.min(req.wantedMiB, req.maxMiB);
  const fits = Math.floor(usableMiB(host) - req.headroomMiB);
  if (wanted <= req.currentMiB) return { type: 'refuse', reason: `VM ${req.vm} already has ${mib(req.currentMiB)}, the most healing may give is ${mib(req.maxMiB)}` };
  if (fits <= req.currentMiB) {
    return { type: 'refuse', reason: `more memory for VM ${req.vm}: ${mib(wanted)} wanted (it has ${mib(req.currentMiB)}) needs ${mib(wanted)} + ${mib(req.headroomMiB)} headroom, ${hostFigures(host)}` };
  }
  if (wanted <= fits) return { type: 'grow', memoryMiB: wanted };
  return { type: 'grow', memoryMiB: fits, capped: `capped at ${mib(fits)} (${mib(wanted)} wanted): ${mib(fits)} + ${mib(req.headroomMiB)} headroom, ${hostFigures(host)}` };
}
