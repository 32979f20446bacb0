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
  /** Interrupted by the operator (Ctrl-C). */
  interrupted: 130,
});
