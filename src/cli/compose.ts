// The composition root's wiring, shared by the commands that boot VMs: one hypervisor,
// one store, one ledger, closed in reverse order.
import { withImagePolicy } from '../catalogue/index.ts';
import { ensureHome, type AppConfig } from '../config/index.ts';
import { createQemuHypervisor } from '../hypervisor/index.ts';
import { openLedger } from '../ledger/index.ts';
import type { AdmissionEvent } from '../resources/index.ts';
import { openStore } from '../store/index.ts';
import type { SupervisorDeps } from '../supervisor/index.ts';
import { guestSource } from '../guest/index.ts';

export type Runtime = SupervisorDeps & { record: NonNullable<SupervisorDeps['record']>; close(): Promise<void> };

/** Opens the store, the ledger and the QEMU hypervisor for `app.home`. */
export async function openRuntime(app: AppConfig): Promise<Runtime> {
  ensureHome(app);
  const store = openStore({ home: app.home });
  const ledger = await openLedger({ home: app.home, rememberAt: app.ledgerCheckpointCopies ?? [] });
  // Refuses unsigned/altered/retired disks of VMs that require signed images; notes last-known-good.
  // The QEMU backend's resource guard says once when QoS cgroups cannot be applied on this host.
  const notice = (line: string) => void process.stderr.write(`bootmedic: ${line}\n`);
  // With BOOTMEDIC_ADMISSION_ON_NO_FIT=queue a boot that does not fit waits: say so, and when it goes.
  const onAdmission = (e: AdmissionEvent) => {
    if (e.type === 'queued') notice(`VM ${e.vm} waits in the admission queue (place ${e.position}): ${e.reason}`);
    if (e.type === 'admitted') notice(`VM ${e.vm} admitted after ${Math.round(e.waitedMs / 1000)} s in the admission queue`);
  };
  const hypervisor = withImagePolicy(createQemuHypervisor(app, { guests: guestSource(app), notice, onAdmission }), store, app.home);
  return {
    hypervisor,
    home: app.home,
    store,
    record: async (entry) => {
      const out = await ledger.append(entry);
      hypervisor.noteRecord(entry);
      return out;
    },
    async close() {
      await ledger.close();
      store.close();
    },
  };
}
