import { defineErrors } from '../core/index.ts';

/** The ledger's error catalogue; every code starts with LEDGER_ and is never reused. */
export const ledgerErrors = defineErrors('ledger', {
  LEDGER_DB_UNREADABLE: {
    cause: 'The ledger database cannot be opened or read: it is missing, truncated, corrupted or not a SQLite file.',
    fix: 'Restore <home>/ledger/ledger.db from a backup or an export; a damaged log cannot be repaired in place.',
    exit: 'input',
  },
  LEDGER_DB_INCONSISTENT: {
    cause: 'The ledger database is readable but its parts disagree (entries, stored hashes and the latest checkpoint).',
    fix: "Run 'bootmedic ledger verify' to find the first bad index, then restore the ledger from a backup or an export.",
    exit: 'input',
  },
  LEDGER_BAD_KEY: {
    cause: 'The signing key file is missing, unreadable, malformed, or readable by other users.',
    fix: 'Restore <home>/ledger/key (owner-only, mode 0600) from a backup; never edit it by hand.',
    exit: 'input',
  },
  LEDGER_KEY_MISMATCH: {
    cause: "The signing key does not match the public key recorded when the log was created.",
    fix: 'Restore the original key file; a log must keep one signing key for its whole life.',
    exit: 'input',
  },
  LEDGER_BAD_VKEY: {
    cause: 'A verifier key is not in the C2SP signed-note form <name>+<8 hex key id>+<base64 key>, or its key id does not match.',
    fix: "Use the key exactly as 'bootmedic ledger export' wrote it (the vkey file).",
    exit: 'input',
  },
  LEDGER_UNSUPPORTED_KEY: {
    cause: 'The key uses a signature type this verifier does not implement.',
    fix: 'Use an Ed25519 (type 0x01), ECDSA P-256 (type 0x02) or cosignature/v1 (type 0x04) key.',
    exit: 'input',
  },
  LEDGER_BAD_NOTE: {
    cause: 'A signed note is malformed (C2SP signed-note: text, one blank line, then signature lines starting with an em dash).',
    fix: 'Pass the checkpoint file unchanged, as the log wrote it.',
    exit: 'input',
  },
  LEDGER_BAD_SIGNATURE: {
    cause: 'A signature line from a known key does not verify: the note was altered or signed by another key.',
    fix: 'Check you have the right public key; if you do, the checkpoint was tampered with.',
    exit: 'input',
  },
  LEDGER_NO_SIGNATURE: {
    cause: 'No signature on the note comes from the expected key (wrong key, or signatures removed).',
    fix: 'Pass the public key of the log that wrote this checkpoint (the vkey file of its export).',
    exit: 'input',
  },
  LEDGER_BAD_CHECKPOINT: {
    cause: 'A checkpoint body is malformed (C2SP tlog-checkpoint: origin, decimal size, base64 32-byte root, each on its own line).',
    fix: 'Pass the checkpoint file unchanged, as the log wrote it.',
    exit: 'input',
  },
  LEDGER_WRONG_ORIGIN: {
    cause: 'The checkpoint or key belongs to a log with another origin.',
    fix: 'Verify each log with its own checkpoint and key; pass --origin only when you mean another log.',
    exit: 'input',
  },
  LEDGER_ORIGIN_MISMATCH: {
    cause: 'The ledger was opened with an origin different from the one it was created with.',
    fix: 'Open it without an origin, or with the origin it was created with (see its checkpoint, first line).',
    exit: 'input',
  },
  LEDGER_BAD_TILE: {
    cause: 'A tile or entry bundle is missing, has the wrong length, or holds hashes that do not match the entries.',
    fix: 'Re-export the log; if the source log is damaged too, restore it from a backup.',
    exit: 'input',
  },
  LEDGER_BAD_ENTRY: {
    cause: 'An entry cannot be encoded as canonical JSON (a non-finite number, a function, a cycle) or lacks a type.',
    fix: 'Append plain JSON data with a non-empty string type.',
    exit: 'input',
  },
  LEDGER_ENTRY_TOO_LARGE: {
    cause: 'An encoded entry is larger than 65535 bytes, the limit of a C2SP tlog-tiles entry bundle.',
    fix: 'Append a digest or a path of large data, not the data itself.',
    exit: 'input',
  },
  LEDGER_BAD_RANGE: {
    cause: 'An index or tree size is out of range for the log (a proof for a size it does not have, or an index past the end).',
    fix: "Ask for sizes at most the current size ('bootmedic ledger checkpoint' shows it) and indexes below the size.",
    exit: 'input',
  },
  LEDGER_BAD_PROOF: {
    cause: 'An inclusion or consistency proof does not verify against the given roots.',
    fix: 'Fetch a fresh proof for exactly the sizes you hold checkpoints for.',
    exit: 'input',
  },
  LEDGER_INCONSISTENT: {
    cause: 'Two checkpoints of the same log cannot both be true: the later one does not extend the earlier one.',
    fix: 'Treat the log as compromised (a split view or a rewrite); keep both checkpoints as evidence.',
    exit: 'input',
  },
  LEDGER_ROLLED_BACK: {
    cause: "A checkpoint this log signed earlier, remembered outside the ledger folder (<home>/ledger-checkpoint, or an extra path) or cosigned by a witness that keeps it outside (<home>/ledger-witnesses, --witness-dir, BOOTMEDIC_LEDGER_WITNESS_DIR), is not matched by the log now: the log is smaller than it was (rolled back: the ledger folder was replaced with an older copy), or its tree at that size has another root (a fork).",
    fix: "Treat the ledger as tampered with: keep the remembered checkpoint as evidence, find out who replaced the folder, and restore the ledger from a copy that includes that checkpoint (an export, a backup). 'bootmedic ledger verify' names the remembered file or the witness, and the sizes.",
    exit: 'input',
  },
  LEDGER_BAD_COSIGNATURE: {
    cause: 'A witness cosignature (C2SP tlog-cosignature/v1) is malformed or does not verify.',
    fix: "Check the witness's public key; if it is right, the cosignature was altered.",
    exit: 'input',
  },
  LEDGER_BAD_EXPORT: {
    cause: 'An export folder lacks a file it needs (checkpoint, vkey, tiles) or one of them is unreadable.',
    fix: "Re-run 'bootmedic ledger export <dir>' and copy the whole folder.",
    exit: 'input',
  },
  LEDGER_EXPORT_EXISTS: {
    cause: 'The export target exists and is not empty.',
    fix: 'Export into a new or empty folder.',
    exit: 'input',
  },
  LEDGER_READ_ONLY: {
    cause: 'An append or cosignature was asked of a ledger opened read-only.',
    fix: 'Open the ledger without readOnly to write (a bug in the caller otherwise).',
    exit: 'input',
  },
  LEDGER_CLOSED: {
    cause: 'The ledger was used after close().',
    fix: 'Open the ledger again (a bug in the caller otherwise).',
    exit: 'input',
  },
});

/** A code of the ledger's catalogue. */
export type LedgerErrorCode = keyof typeof ledgerErrors.catalogue.codes;
