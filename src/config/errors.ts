import { defineErrors } from '../core/index.ts';

export const configErrors = defineErrors('config', {
  CONFIG_VM_NOT_FOUND: { cause: 'The VM file given on the command line does not exist or cannot be read.', fix: 'Check the path; examples/tiny.yaml is a working VM file.', exit: 'input' },
  CONFIG_VM_BAD_YAML: { cause: 'The VM file is not valid YAML, or is a YAML document nested too deep or with aliases that expand too far (see Limits).', fix: 'Fix the YAML at the line and column given; write repeated values out instead of nesting aliases.', exit: 'input' },
  CONFIG_VM_INVALID: { cause: 'A field of the VM file has a wrong value or type, or an unknown field is present.', fix: 'Use one of the allowed values named in the message; docs/configuration.md lists every field.', exit: 'input' },
  CONFIG_BAD_ENV: { cause: 'An environment variable bootmedic reads has a value of the wrong form (e.g. BOOTMEDIC_ADMISSION_HEADROOM_MIB is not a whole number).', fix: 'Correct or unset the variable named in the message.', exit: 'usage' },
  CONFIG_BAD_HOME: { cause: 'The data directory (--home or BOOTMEDIC_HOME) cannot be created or written.', fix: 'Point --home or BOOTMEDIC_HOME at a writable directory.', exit: 'input' },
});
