/** Process exit codes that scripts can rely on (docs/cli.md). */
export const EXIT = Object.freeze({
  /** Success; for `boot`, the VM reached ready. */
  ok: 0,
  /** The boot failed, or a check found a problem (image inspect, ledger verify). */
  failed: 1,
  /** The boot stalled: no progress within its budget. */
  stalled: 2,
  /** Wrong command-line usage (unknown command or flag, missing argument). */
  usage: 64,
  /** Bad input: a malformed config, log, image or ledger, or a missing file. */
  dataError: 65,
  /** A needed service or program is missing or broken (QEMU, KVM, the store). */
  unavailable: 69,
  /** A bug in bootmedic. */
  internal: 70,
  /** Busy: another bootmedic holds the VM (try again when it is done). */
  busy: 75,
  /** Interrupted by the operator (Ctrl-C, SIGINT): 128 + 2, the shell's convention. */
  interrupted: 130,
  /** Stopped by SIGTERM (a service manager, kill): 128 + 15. */
  terminated: 143,
});
