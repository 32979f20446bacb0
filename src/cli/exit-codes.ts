import { isBootmedicError, type ExitClass } from '../core/index.ts';

/** Process exit codes that scripts can rely on (the README's exit-code table). */
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
  /** Busy: another bootmedic holds what this one needs (a VM's lock); try again later. */
  busy: 75,
  /** A bug in bootmedic. */
  internal: 70,
  /** Interrupted by the operator (Ctrl-C, SIGINT): 128 + 2, the shell's convention. */
  interrupted: 130,
  /** Stopped by SIGTERM (a service manager, kill): 128 + 15. */
  terminated: 143,
});

const BY_CLASS: Readonly<Record<ExitClass, number>> = Object.freeze({
  usage: EXIT.usage,
  input: EXIT.dataError,
  unavailable: EXIT.unavailable,
  busy: EXIT.busy,
  interrupted: EXIT.interrupted,
});

/** The exit code scripts see for an exit class (the README's table). */
export function exitCodeOfClass(c: ExitClass): number {
  return BY_CLASS[c];
}

/** The exit code of an error that ends a command: its catalogued exit class, or `internal` for anything else (a bug). */
export function exitCodeOf(e: unknown): number {
  return isBootmedicError(e) ? exitCodeOfClass(e.exitClass) : EXIT.internal;
}
