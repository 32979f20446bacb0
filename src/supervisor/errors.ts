import { defineErrors } from '../core/index.ts';

/** Error codes of supervisor/: driving one VM's boots. */
export const supervisorErrors = defineErrors('supervisor', {
  SUPERVISOR_VM_BUSY: {
    cause: 'Another bootmedic (boot, watch, a drill, a heal) holds this VM: one VM is driven by one bootmedic at a time, because two would share its QMP socket and overwrite each other\'s disk overlays. Exit code 75 (busy).',
    fix: 'Wait for the bootmedic named in the message to finish, or stop it (Ctrl-C or kill <pid>); then run the command again.',
    exit: 'busy',
  },
  SUPERVISOR_STATE_DAMAGED: {
    cause: "<home>/vms/<vm>/open-boot.json (the record of the boot in progress, used to close a boot whose bootmedic died) is not valid JSON or lacks its fields. bootmedic writes it atomically, so this is damage from outside.",
    fix: 'Delete the file named in the message; the boot it named stays without an outcome (its folder under <home>/boots/ keeps the console).',
    exit: 'input',
  },
  SUPERVISOR_LOCK_FAILED: {
    cause: "The VM's lock file under <home>/vms/<vm>/ cannot be created or opened (a read-only or full file system, wrong permissions).",
    fix: 'Point --home or BOOTMEDIC_HOME at a writable folder, or fix the permissions of the folder named in the message.',
    exit: 'unavailable',
  },
});
