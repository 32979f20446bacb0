import { defineErrors } from '../core/index.ts';

/** Error codes of recovery/: the real HealTarget over QEMU and the watch-and-heal loop. */
export const recoveryErrors = defineErrors('recovery', {
  RECOVERY_NO_LAST_GOOD: { cause: 'The remedy needs the configuration of a boot that reached ready, and none of this VM is recorded.', fix: "Boot the VM once successfully ('bootmedic boot <vm.yaml>') so bootmedic records its last good configuration.", exit: 'input' },
  RECOVERY_NO_GOLDEN: { cause: 'The remedy restores from a golden copy, and this VM has none.', fix: 'Keep a golden copy of the disk under <home>/vms/<vm>/golden/ (same file name), or use a built-in guest whose build is the golden copy.', exit: 'input' },
  RECOVERY_NO_SNAPSHOT: { cause: 'The remedy rolls a disk back to its last-known-good snapshot, and the disk has none.', fix: "Let a boot reach ready first: bootmedic snapshots qcow2 disks as 'bootmedic-last-good' after a good boot.", exit: 'input' },
  RECOVERY_STATE_DAMAGED: { cause: "A state file bootmedic keeps for a VM (healing.json: the configuration an incident's remedies left; last-good.json: the last configuration that booted to ready) is not valid JSON or not the expected shape. bootmedic writes them atomically, so this is damage from outside (a disk fault, an edit).", fix: 'Look at the file named in the message; restore it from a backup, or delete it (healing.json: the incident restarts from the VM file; last-good.json: the next good boot records a new one).', exit: 'input' },
  RECOVERY_NO_MEMORY: { cause: "The remedy gives the VM more memory, and the host cannot hold more: the VM's memory plus the admission headroom would not fit the host's available memory (the same check as admission before a boot). The message gives the figures.", fix: 'Free memory on the host or stop another VM; the next remedy is tried meanwhile. Exit code 75 (busy): the same remedy fits once memory is free.', exit: 'busy' },
  RECOVERY_UNSUPPORTED: { cause: 'The remedy cannot be carried out on this VM (e.g. no previous kernel is known).', fix: 'The planner should not offer it; check the VM file and the remedy preconditions.', exit: 'input' },
});
