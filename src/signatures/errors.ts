import { defineErrors } from '../core/index.ts';

export const signaturesErrors = defineErrors('signatures', {
  SIGNATURES_KB_INVALID: { cause: 'A knowledge-base data file under src/signatures/kb/ is not valid JSON or breaks its schema (unknown field, bad regex, unsafe pattern).', fix: 'Fix the entry named in the message; docs/signatures.md describes the rule fields.', exit: 'input' },
  SIGNATURES_LOG_NOT_FOUND: { cause: 'The console log given to analyze does not exist.', fix: "Check the path, or pass '-' to read the log from stdin.", exit: 'input' },
  SIGNATURES_LOG_UNREADABLE: { cause: 'The console log exists but cannot be read (a directory, no permission, an I/O error).', fix: 'Pass a readable regular file, or pipe the log to stdin with -.', exit: 'input' },
});
