// Bounds on everything a user, a log or an image can make large. Each is named in
// docs/errors.md (section Limits, generated from LIMIT_DOCS) with its value.

/** The named limits; a part imports the one it enforces. */
export const LIMIT = Object.freeze({
  /** Bytes of a VM file (vm.yaml). */
  VM_FILE_MAX_BYTES: 64 << 10,
  /** Bytes of a YAML or JSON data file given by a user: a diagnosis model, remedies, rules, evidence. */
  DATA_FILE_MAX_BYTES: 16 << 20,
  /** Nesting depth of a YAML or JSON document (maps and lists inside each other). */
  DATA_MAX_DEPTH: 64,
  /** YAML aliases (`*name`) a document may resolve; the yaml package's default, stated here. */
  DATA_MAX_ALIASES: 100,
  /** Bytes of the kernel command line, bootmedic's part included: x86 COMMAND_LINE_SIZE (2048) less its NUL. */
  KERNEL_CMDLINE_MAX_BYTES: 2047,
  /** Disks of one VM. */
  VM_MAX_DISKS: 16,
  /** Extra QEMU arguments (qemuArgs) of one VM. */
  QEMU_MAX_EXTRA_ARGS: 256,
  /** Characters of one string of a VM file (a path, a marker, one QEMU argument): PATH_MAX. */
  VM_MAX_STRING_LENGTH: 4096,
  /** Bytes of one console line; longer lines are cut and marked as cut. */
  CONSOLE_LINE_MAX_BYTES: 64 * 1024,
  /** Findings one boot or one analysed log reports; the rest are counted, not kept. */
  FINDINGS_PER_BOOT_MAX: 1000,
  /** Evidence lines shown for one finding (or one explained observation) in a report; the rest are counted. */
  REPORT_EVIDENCE_LINES_MAX: 50,
  /** Bytes of one report file or report output (outcome.json, hand-over, drill report, analyze/diagnose JSON); past it, cut with a marker. */
  REPORT_FILE_MAX_BYTES: 8 << 20,
  /** Bytes of a console log `diagnose` reads into memory (analyze streams, without this bound). */
  DIAGNOSE_LOG_MAX_BYTES: 256 << 20,
  /** Bytes of one file of a ledger export read by `ledger verify --offline`: above a full entry bundle (256 entries of up to 65,535 bytes). */
  LEDGER_EXPORT_FILE_MAX_BYTES: 17 << 20,
});

export type LimitName = keyof typeof LIMIT;

/** What each limit bounds, for docs/errors.md. */
export const LIMIT_DOCS: Readonly<Record<LimitName, string>> = Object.freeze({
  VM_FILE_MAX_BYTES: 'size of a VM file (vm.yaml), in bytes',
  DATA_FILE_MAX_BYTES: 'size of a YAML or JSON data file given by a user (diagnosis model, remedies, rules, evidence), in bytes',
  DATA_MAX_DEPTH: 'nesting depth of a YAML or JSON document',
  DATA_MAX_ALIASES: 'YAML aliases (*name) one document may resolve (stops alias bombs)',
  KERNEL_CMDLINE_MAX_BYTES: "kernel command line in bytes, bootmedic's part included (x86 COMMAND_LINE_SIZE 2048 less the NUL)",
  VM_MAX_DISKS: 'disks of one VM',
  QEMU_MAX_EXTRA_ARGS: 'extra QEMU arguments (qemuArgs) of one VM',
  VM_MAX_STRING_LENGTH: 'one string of a VM file (a path, a marker, one QEMU argument), in characters (PATH_MAX)',
  CONSOLE_LINE_MAX_BYTES: 'one console line in bytes; longer lines are cut and marked',
  FINDINGS_PER_BOOT_MAX: 'findings kept for one boot or one analysed log (and shown in its report); the rest are counted',
  REPORT_EVIDENCE_LINES_MAX: 'evidence lines shown per finding in a report; the rest are counted (… N more lines not shown)',
  REPORT_FILE_MAX_BYTES: 'one report file or report output (outcome.json, hand-over, drill report, analyze/diagnose --json), in bytes; the excess is cut with a marker, never refused',
  DIAGNOSE_LOG_MAX_BYTES: 'console log that diagnose reads into memory, in bytes (analyze streams any size)',
  LEDGER_EXPORT_FILE_MAX_BYTES: 'one file of a ledger export (a key, a checkpoint, a tile, an entry bundle) read by ledger verify, in bytes',
});
