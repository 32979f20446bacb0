// History as evidence: the same image failing on other VMs points at the image; many VMs
// failing on one host points at the host. Computed from boot records (the store's boots
// table on this host), counting each other VM by its latest boot only.

/** The fields of a stored boot that history needs. */
export type BootSummary = Readonly<{ vm: string; imageKey: string; status: string; startedAt: string }>;

/**
 * Counts other VMs whose latest boot since `since` (ISO time) failed or stalled: all of
 * them (`hostFailingVms`) and those on the same image (`sameImageFailingVms`).
 */
export function historyFrom(boots: readonly BootSummary[], self: { vm: string; imageKey: string; since: string }): { sameImageFailingVms: number; hostFailingVms: number } {
  const latest = new Map<string, BootSummary>();
  for (const b of boots) {
    if (b.vm === self.vm || b.startedAt < self.since) continue;
    const cur = latest.get(b.vm);
    if (cur === undefined || b.startedAt > cur.startedAt) latest.set(b.vm, b);
  }
  let host = 0;
  let image = 0;
  for (const b of latest.values()) {
    if (b.status === 'ready') continue;
    host += 1;
    if (b.imageKey === self.imageKey) image += 1;
  }
  return { sameImageFailingVms: image, hostFailingVms: host };
}
