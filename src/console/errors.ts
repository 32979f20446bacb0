import { defineErrors } from '../core/index.ts';

export const consoleErrors = defineErrors('console', {
  CONSOLE_RECORD_OPEN: { cause: 'The raw console file of a boot cannot be created (missing directory, no permission).', fix: 'Check that the boot directory exists and is writable (see --home).', exit: 'input' },
  CONSOLE_RECORD_WRITE: { cause: 'Writing the raw console file failed part-way (disk full, file removed).', fix: 'Free disk space in the data directory (--home) and run the boot again.', exit: 'input' },
  CONSOLE_BAD_OPTION: { cause: 'A console option is out of range (a non-positive line or file size).', fix: 'Pass a positive size; the defaults are 64 KiB per line and 16 MiB per boot console.', exit: 'input' },
});
