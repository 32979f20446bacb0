/**
 * The one error type bootmedic throws for breakage and bad input.
 *
 * Every error has a stable, namespaced `code` (listed with cause and fix in
 * docs/errors.md, never reused), a message that names the thing that is wrong, and a
 * `fix` that tells the user what to do. Expected outcomes (a failed boot, a problem
 * found in an image) are values, not errors.
 */
export class BootmedicError extends Error {
  readonly code: string;
  readonly fix: string;
  /** What kind of failure this is for a script: decides the CLI's exit code (src/cli/exit-codes.ts). */
  readonly exitClass: ExitClass;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options: { fix: string; exit: ExitClass; cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BootmedicError';
    this.code = code;
    this.fix = options.fix;
    this.exitClass = options.exit;
    this.details = options.details;
  }
}

/**
 * The classes of failure a script can tell apart by exit code (the README's exit-code table):
 * `usage` a wrong command line, `input` bad input (a config, file, image, log or ledger,
 * or a missing file), `unavailable` a host program or service is missing or broken (QEMU,
 * KVM, OVMF, the network), `busy` another bootmedic holds what this one needs,
 * `interrupted` the operator stopped it.
 */
export const EXIT_CLASSES = ['usage', 'input', 'unavailable', 'busy', 'interrupted'] as const;
export type ExitClass = (typeof EXIT_CLASSES)[number];

/** One entry of a part's error catalogue: why the error happens, what fixes it, and its exit class. */
export type ErrorSpec = { readonly cause: string; readonly fix: string; readonly exit: ExitClass };

/** A part's catalogue of error codes; docs/errors.md is generated from all of them. */
export type ErrorCatalogue<C extends string = string> = { readonly part: string; readonly codes: Readonly<Record<C, ErrorSpec>> };

/**
 * Declares a part's error codes and returns a factory that builds typed errors.
 *
 * @example
 * export const ledgerErrors = defineErrors('ledger', {
 *   LEDGER_BAD_KEY: { cause: 'The signing key file cannot be read.', fix: 'Restore the key or pass --home.', exit: 'input' },
 * });
 * throw ledgerErrors.make('LEDGER_BAD_KEY', `key ${path}: not an Ed25519 key`);
 */
export function defineErrors<const C extends string>(part: string, codes: Record<C, ErrorSpec>) {
  const catalogue: ErrorCatalogue<C> = Object.freeze({ part, codes: Object.freeze(codes) });
  return {
    catalogue,
    /** Builds an error; `fix` defaults to the catalogue's fix for the code. */
    make(code: C, message: string, options: { fix?: string; cause?: unknown; details?: Record<string, unknown> } = {}): BootmedicError {
      const init: { fix: string; exit: ExitClass; cause?: unknown; details?: Record<string, unknown> } = { fix: options.fix ?? codes[code].fix, exit: codes[code].exit };
      if (options.cause !== undefined) init.cause = options.cause;
      if (options.details !== undefined) init.details = options.details;
      return new BootmedicError(code, message, init);
    },
  };
}

/** Error codes of the guarded open (guarded-file.ts): paths from a user or from data that cannot be used. */
export const fileErrors = defineErrors('file', {
  FILE_NOT_FOUND: { cause: 'A file or folder named in a VM file, on the command line or in an image header does not exist.', fix: 'Check the path named in the message.', exit: 'input' },
  FILE_WRONG_TYPE: {
    cause: 'The path is not the kind of file bootmedic reads there: a FIFO, socket, device (other than a block device given as a disk), a directory where a file is expected or a file where a directory is, or a symlink loop.',
    fix: "Give the path of a regular file (a disk may be a block device); to analyse a stream, pipe it in and pass '-'.",
    exit: 'input',
  },
  FILE_TOO_LARGE: { cause: 'A file is larger than bootmedic reads for its kind (the limits are listed under Limits below).', fix: 'Check that the path names the intended file; cut the file down below the limit in the message.', exit: 'input' },
  FILE_NO_ACCESS: { cause: 'A file exists but cannot be read: no permission, or an I/O error.', fix: 'Check the permissions of the file and of its folders (ls -l), or the disk it lives on.', exit: 'input' },
});

/** True when `e` is a BootmedicError, optionally with the given code. */
export function isBootmedicError(e: unknown, code?: string): e is BootmedicError {
  return e instanceof BootmedicError && (code === undefined || e.code === code);
}

/** Exhaustiveness guard for `switch` over tagged unions. */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
